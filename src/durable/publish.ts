/**
 * The one writer of published files: the dashboard's pages, reproducible.json and the
 * tracker file with their .bz2. Unlike the spool's writes they may go anywhere the
 * operator says (a web server's directory outside the root), and they replace what is
 * there: a reader (a web server, tracker.debian.org's fetch) sees the old file or the new
 * one, never a part. Each is written to a temp beside its target (the same filesystem, so
 * rename(2) is atomic), fsynced, made 0644 (a web server reads it whatever the umask),
 * renamed over the target, and the directory fsynced.
 *
 * A temp's name carries its writer's pid and start time (atomic.ts's tempPath), so a
 * writer that crashed leaves a temp the next publication to that directory removes
 * (removeDeadTemps); a live writer's temp is never touched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir, isDeadTemp, tempPath } from './atomic.js';
import { SpoolError, errnoCode } from '../errors.js';
import { runQuick } from '../process/run.js';

/** Published files are read by a web server, whoever runs it. */
export const PUBLISHED_MODE = 0o644;

/** What a temp of a published file ends with, so a sweep removes only ours. */
const TEMP_SUFFIX = '.publishing';

/** A published file being written: chunks appended, then committed whole or abandoned. */
export interface Publication {
  /** The temp's descriptor, for a program that writes it itself (bzip2's stdout). */
  readonly fd: number;
  write(chunk: string | Uint8Array): Promise<void>;
  /** fsync, rename over the target, fsync the directory: from here readers see the new file. */
  commit(): Promise<void>;
  /** Removes the temp; the target stays as it was. */
  abort(): Promise<void>;
}

/** Starts a published file at target, its directory made if absent. */
export async function openPublication(target: string): Promise<Publication> {
  const dir = path.dirname(target);
  await fs.promises.mkdir(dir, { recursive: true });
  const temp = tempPath(dir, `${path.basename(target)}${TEMP_SUFFIX}`);
  const handle = await fs.promises.open(temp, 'wx', PUBLISHED_MODE);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return {
    fd: handle.fd,
    // writeFile on a handle appends from its position, looping until all of it is written.
    write: (chunk) => handle.writeFile(chunk),
    commit: async () => {
      try {
        await handle.chmod(PUBLISHED_MODE);
        await handle.sync();
        await close();
        await fs.promises.rename(temp, target);
      } catch (error) {
        await close();
        await fs.promises.rm(temp, { force: true });
        throw error;
      }
      fsyncDir(dir);
    },
    abort: async () => {
      await close();
      await fs.promises.rm(temp, { force: true });
    },
  };
}

/** A whole published file at once. */
export async function publishFile(target: string, data: string | Uint8Array): Promise<void> {
  const publication = await openPublication(target);
  try {
    await publication.write(data);
  } catch (error) {
    await publication.abort();
    throw error;
  }
  await publication.commit();
}

/**
 * Publishes source's bzip2 -9 compression as target (source + '.bz2' is what consumers of
 * reproducible.json fetch). Debian's bzip2, a dependency of dpkg-dev, streams file to
 * file, so memory stays flat whatever the size; no npm bzip2 compressor is kept up.
 */
export async function publishBzip2(source: string, target: string, timeoutMs: number): Promise<void> {
  const input = fs.openSync(source, 'r');
  try {
    const publication = await openPublication(target);
    const run = runQuick('bzip2', ['-9c'], { stdinFd: input, stdoutFd: publication.fd, timeoutMs });
    if (run.error || run.exitCode !== 0) {
      await publication.abort();
      const why = run.error ? run.error.message : `exited ${run.exitCode ?? 'on a signal'}: ${run.stderr.toString('utf8').trim()}`;
      throw new SpoolError('failed', `bzip2 -9c of ${source} failed (${why}); ${target} is left as it was`);
    }
    await publication.commit();
  } finally {
    fs.closeSync(input);
  }
}

/** Removes the temps that crashed publishers left in dir; returns how many. */
export function removeDeadTemps(dir: string): number {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return 0;
    throw error;
  }
  const dead = names.filter((name) => name.endsWith(TEMP_SUFFIX) && isDeadTemp(name));
  for (const name of dead) fs.rmSync(path.join(dir, name), { force: true });
  return dead.length;
}
