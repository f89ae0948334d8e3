/**
 * One HTTP(S) download to a new file, hashed on the way. Retries with exponential backoff
 * only where trying again can help (connection refused or dropped, stalled past the idle
 * timeout, truncated body, 5xx); a 404 or 410 is an answer, not a failure. The target
 * file never survives a failed attempt.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { retrying } from '../retry.js';

export interface DownloadOptions {
  /** No byte for this long (connecting included) aborts the attempt. */
  readonly idleTimeoutMs: number;
  readonly retries: number;
  readonly backoffMs: number;
  /** Refuse bodies larger than this (a .dsc is small; a tarball is not). */
  readonly maxBytes: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Ends the download at once (a builder told to stop): no retry, result 'unreachable' with reason 'stopped'. */
  readonly signal?: AbortSignal;
}

export type DownloadResult =
  | { readonly status: 'ok'; readonly sha256: string; readonly size: number }
  | { readonly status: 'not-found'; readonly url: string; readonly httpStatus: number }
  | { readonly status: 'unreachable'; readonly url: string; readonly reason: string; readonly attempts: number };

class Retryable extends Error {}
class NotFound extends Error {
  constructor(readonly httpStatus: number) {
    super(`HTTP ${httpStatus}`);
  }
}

const MAX_REDIRECTS = 5;

export async function download(url: string, file: string, options: DownloadOptions): Promise<DownloadResult> {
  const outcome = await retrying<DownloadResult>(
    { retries: options.retries, backoffMs: options.backoffMs, signal: options.signal, sleep: options.sleep },
    async () => {
      try {
        return { value: { status: 'ok', ...(await attemptDownload(url, file, options, 0)) } };
      } catch (error) {
        fs.rmSync(file, { force: true });
        if (options.signal?.aborted) return { retry: 'stopped' };
        if (error instanceof NotFound) return { value: { status: 'not-found', url, httpStatus: error.httpStatus } };
        if (!(error instanceof Retryable)) throw error;
        return { retry: error.message };
      }
    },
  );
  if ('value' in outcome) return outcome.value;
  return { status: 'unreachable', url, reason: outcome.stopped ? 'stopped' : outcome.gaveUp, attempts: outcome.attempts };
}

function attemptDownload(url: string, file: string, options: DownloadOptions, redirects: number): Promise<{ sha256: string; size: number }> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith('https:') ? https : http;
    const request = client.get(url, { timeout: options.idleTimeoutMs, signal: options.signal, headers: { 'user-agent': 'repro-spool' } }, (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location) {
        response.resume();
        if (redirects >= MAX_REDIRECTS) return reject(new Retryable(`more than ${MAX_REDIRECTS} redirects from ${url}`));
        attemptDownload(new URL(location, url).toString(), file, options, redirects + 1).then(resolve, reject);
        return;
      }
      if (status === 404 || status === 410) {
        response.resume();
        return reject(new NotFound(status));
      }
      if (status !== 200) {
        response.resume();
        return reject(status >= 500 || status === 429 ? new Retryable(`HTTP ${status} from ${url}`) : new Error(`HTTP ${status} from ${url}`));
      }
      const expected = response.headers['content-length'] === undefined ? undefined : Number(response.headers['content-length']);
      const hash = crypto.createHash('sha256');
      const out = fs.createWriteStream(file, { flags: 'wx' });
      let size = 0;
      let failed = false;
      const fail = (error: Error) => {
        if (failed) return;
        failed = true;
        response.destroy();
        out.destroy();
        out.once('close', () => reject(error));
      };
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) return fail(new Error(`${url} is larger than ${options.maxBytes} bytes`));
        hash.update(chunk);
      });
      response.on('aborted', () => fail(new Retryable(`connection dropped after ${size} bytes of ${url}`)));
      response.on('error', (error) => fail(new Retryable(`${error.message} while reading ${url}`)));
      out.on('error', (error) => fail(error));
      response.pipe(out);
      out.on('finish', () => {
        if (failed) return;
        if (expected !== undefined && size !== expected) return fail(new Retryable(`got ${size} of ${expected} bytes of ${url}`));
        const fd = fs.openSync(file, 'r');
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        resolve({ sha256: hash.digest('hex'), size });
      });
    });
    request.on('timeout', () => request.destroy(new Retryable(`no data for ${options.idleTimeoutMs} ms from ${url}`)));
    request.on('error', (error) => reject(error instanceof Retryable ? error : new Retryable(`${error.message} (${url})`)));
  });
}
