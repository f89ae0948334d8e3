/**
 * One HTTP(S) download to a new file, hashed on the way. Retries with exponential backoff
 * only where trying again can help (connection refused or dropped, stalled past the idle
 * timeout, truncated body, 5xx); a 404 or 410 is an answer, not a failure. The whole
 * download, retries included, ends at its deadline (a server trickling a byte at a time
 * never trips the idle timeout). Redirects are followed only within the mirror's own
 * scheme, host and port, at most MAX_REDIRECTS: the mirror is configuration, and another
 * host it points to is not. The target file never survives a failed attempt.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { retrying } from '../retry.js';

export interface DownloadOptions {
  /** No byte for this long (connecting included) aborts the attempt. */
  readonly idleTimeoutMs: number;
  /** The whole download, retries and backoff included, ends after this. */
  readonly deadlineMs: number;
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
/** The mirror answered something no retry changes (a 403, a redirect elsewhere): the download is given up at once. */
class Refused extends Error {}
class NotFound extends Error {
  constructor(readonly httpStatus: number) {
    super(`HTTP ${httpStatus}`);
  }
}

const MAX_REDIRECTS = 5;

export async function download(url: string, file: string, options: DownloadOptions): Promise<DownloadResult> {
  const deadline = Date.now() + options.deadlineMs;
  const origin = new URL(url).origin;
  const outcome = await retrying<DownloadResult>(
    { retries: options.retries, backoffMs: options.backoffMs, signal: options.signal, sleep: options.sleep },
    async (attempt) => {
      const left = deadline - Date.now();
      if (left <= 0) return { value: { status: 'unreachable', url, reason: `not done within the ${options.deadlineMs} ms deadline`, attempts: attempt - 1 } };
      try {
        return { value: { status: 'ok', ...(await attemptDownload(url, file, { ...options, origin, left }, 0)) } };
      } catch (error) {
        fs.rmSync(file, { force: true });
        if (options.signal?.aborted) return { retry: 'stopped' };
        if (error instanceof NotFound) return { value: { status: 'not-found', url, httpStatus: error.httpStatus } };
        if (error instanceof Refused) return { value: { status: 'unreachable', url, reason: error.message, attempts: attempt } };
        if (!(error instanceof Retryable)) throw error;
        return { retry: error.message };
      }
    },
  );
  if ('value' in outcome) return outcome.value;
  return { status: 'unreachable', url, reason: outcome.stopped ? 'stopped' : outcome.gaveUp, attempts: outcome.attempts };
}

interface Attempting extends DownloadOptions {
  /** Scheme, host and port of the URL asked for: the only place a redirect may lead. */
  readonly origin: string;
  /** What is left of the deadline. */
  readonly left: number;
}

function attemptDownload(url: string, file: string, options: Attempting, redirects: number): Promise<{ sha256: string; size: number }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') return reject(new Refused(`refusing ${url}: only http and https are fetched`));
    const client = target.protocol === 'https:' ? https : http;
    const started = Date.now();
    const request = client.get(target, { timeout: options.idleTimeoutMs, signal: options.signal, headers: { 'user-agent': 'repro-spool' } }, (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location) {
        response.resume();
        clearTimeout(deadline);
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          return reject(new Refused(`${url} redirects to ${JSON.stringify(location)}, which is not a URL`));
        }
        if (next.origin !== options.origin) {
          return reject(new Refused(`${url} redirects to ${next.href}: only redirects within ${options.origin} are followed`));
        }
        if (redirects >= MAX_REDIRECTS) return reject(new Refused(`more than ${MAX_REDIRECTS} redirects from ${url}`));
        attemptDownload(next.href, file, { ...options, left: options.left - (Date.now() - started) }, redirects + 1).then(resolve, reject);
        return;
      }
      if (status === 404 || status === 410) {
        response.resume();
        return reject(new NotFound(status));
      }
      if (status !== 200) {
        response.resume();
        return reject(status >= 500 || status === 429 ? new Retryable(`HTTP ${status} from ${url}`) : new Refused(`HTTP ${status} from ${url}`));
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
        if (size > options.maxBytes) return fail(new Refused(`${url} is larger than ${options.maxBytes} bytes`));
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
    const deadline = setTimeout(() => request.destroy(new Retryable(`${url} was not done within the ${options.deadlineMs} ms deadline`)), options.left);
    request.on('close', () => clearTimeout(deadline));
    request.on('error', (error) => reject(error instanceof Retryable ? error : new Retryable(`${error.message} (${url})`)));
  });
}
