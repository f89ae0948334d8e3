/**
 * Fetching a source package as the seed's step 6 does: download the .dsc from the mirror,
 * check its sha256 against the entry (a mismatch stops here: nothing else is fetched, nothing
 * built), then each file it lists against its Checksums-Sha256. Everything lands in a temp
 * directory under the spool's tmp/ that is removed on every way out; after a crash the
 * reaper removes it (its name carries the dead pid).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Deb822Error } from '../debian/deb822.js';
import { type Dsc, parseDsc } from '../debian/dsc.js';
import { SpoolError } from '../errors.js';
import { ensureDirInside, tempPath } from '../durable/atomic.js';
import { faultPoint } from '../durable/fault.js';
import type { Spool } from '../spool/spool.js';
import { type DownloadOptions, type DownloadResult, download } from './download.js';

export const FETCH_OUTCOMES = ['fetched', 'E404', 'checksum-mismatch', 'unreachable'] as const;
export type FetchOutcome = (typeof FETCH_OUTCOMES)[number];

export interface SourceRequest {
  /** Mirror-relative path of the .dsc, e.g. pool/main/h/hello/hello_2.10-3.dsc. */
  readonly dscPath: string;
  readonly dscSha256: string;
}

export type FetchResult =
  | { readonly outcome: 'fetched'; readonly dir: string; readonly dscFile: string; readonly dsc: Dsc }
  | { readonly outcome: Exclude<FetchOutcome, 'fetched'>; readonly detail: string };

const MIRROR_PATH = /^pool\/[A-Za-z0-9.+_~:/-]+\.dsc$/;

export function checkDscPath(dscPath: string): string {
  if (!MIRROR_PATH.test(dscPath) || dscPath.split('/').includes('..')) {
    throw new SpoolError('usage', `invalid Dsc-Url ${JSON.stringify(dscPath)}: expected a mirror-relative path pool/…/NAME.dsc`);
  }
  return dscPath;
}

/** Fetches into a temp directory, runs use() on it, and removes it whatever happens. */
export async function withFetchedSource<T>(
  spool: Spool,
  mirror: string,
  request: SourceRequest,
  options: DownloadOptions & { dscMaxBytes: number },
  use: (result: FetchResult) => Promise<T>,
): Promise<T> {
  ensureDirInside(spool.layout.root, spool.layout.tmpDir);
  const dir = tempPath(spool.layout.tmpDir, 'source');
  fs.mkdirSync(dir);
  try {
    return await use(await fetchInto(dir, mirror, request, options));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function fetchInto(dir: string, mirror: string, request: SourceRequest, options: DownloadOptions & { dscMaxBytes: number }): Promise<FetchResult> {
  const dscPath = checkDscPath(request.dscPath);
  const base = `${mirror.replace(/\/+$/, '')}/${path.posix.dirname(dscPath)}/`;
  const dscFile = path.join(dir, path.posix.basename(dscPath));
  const got = await download(base + encodeURIComponent(path.posix.basename(dscPath)), dscFile, { ...options, maxBytes: options.dscMaxBytes });
  if (got.status !== 'ok') return failure(got);
  faultPoint('fetch:after-dsc');
  if (got.sha256 !== request.dscSha256) {
    return { outcome: 'checksum-mismatch', detail: `${path.basename(dscFile)} has sha256 ${got.sha256}, the entry expects ${request.dscSha256}` };
  }
  let dsc: Dsc;
  try {
    dsc = parseDsc(fs.readFileSync(dscFile, 'utf8'));
  } catch (error) {
    if (error instanceof Deb822Error) return { outcome: 'checksum-mismatch', detail: `the .dsc matches its sha256 but cannot be parsed: ${error.message}` };
    throw error;
  }
  // Each file lands under its own name beside the .dsc: a .dsc naming itself or one file twice is not a source package.
  const names = dsc.files.map((f) => f.name);
  const clash = names.find((name, i) => name === path.basename(dscFile) || names.indexOf(name) !== i);
  if (clash !== undefined) {
    return { outcome: 'checksum-mismatch', detail: `the .dsc matches its sha256 but lists ${JSON.stringify(clash)} twice or as itself: not a source package` };
  }
  for (const file of dsc.files) {
    const result = await download(base + encodeURIComponent(file.name), path.join(dir, file.name), options);
    if (result.status !== 'ok') return failure(result);
    if (result.sha256 !== file.sha256 || result.size !== file.size) {
      return {
        outcome: 'checksum-mismatch',
        detail: `${file.name}: sha256 ${result.sha256} (${result.size} bytes), the .dsc says ${file.sha256} (${file.size} bytes)`,
      };
    }
  }
  return { outcome: 'fetched', dir, dscFile, dsc };
}

function failure(result: Exclude<DownloadResult, { status: 'ok' }>): { outcome: 'E404' | 'unreachable'; detail: string } {
  return result.status === 'not-found'
    ? { outcome: 'E404', detail: `HTTP ${result.httpStatus} for ${result.url}` }
    : { outcome: 'unreachable', detail: `${result.reason} (after ${result.attempts} attempts)` };
}

export type DscCheck =
  | { readonly outcome: 'fetched'; readonly sha256: string }
  | { readonly outcome: Exclude<FetchOutcome, 'fetched' | 'checksum-mismatch'>; readonly detail: string };

/** The seed's steps 2–3 on main: download the .dsc, take its sha256, throw it away. */
export async function dscSha256Of(spool: Spool, mirror: string, dscPath: string, options: DownloadOptions): Promise<DscCheck> {
  checkDscPath(dscPath);
  ensureDirInside(spool.layout.root, spool.layout.tmpDir);
  const file = tempPath(spool.layout.tmpDir, 'dsc');
  try {
    const got = await download(`${mirror.replace(/\/+$/, '')}/${dscPath.split('/').map(encodeURIComponent).join('/')}`, file, options);
    return got.status === 'ok' ? { outcome: 'fetched', sha256: got.sha256 } : failure(got);
  } finally {
    fs.rmSync(file, { force: true });
  }
}
