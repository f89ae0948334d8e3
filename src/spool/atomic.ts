/**
 * The only ways this project changes the spool: atomic, durable writes and moves that
 * never replace an existing entry. rename(2) replaces silently, so moves use
 * link(2) (fails with EEXIST) followed by unlink(2), as Maildir does.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SpoolError, errnoCode } from '../errors.js';
import { faultPoint } from './fault.js';
import { processStart } from './process-identity.js';

/** Makes a directory's entries durable (a rename is atomic, not durable, until this). */
export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A fresh name in the spool's tmp/ (same filesystem as every state, so rename never
 * gets EXDEV). The name carries pid and start time so the reaper can tell an orphan
 * from a temp that a live process is still writing.
 */
export function tempPath(tmpDir: string, label: string): string {
  const start = processStart(process.pid) ?? '0';
  return path.join(tmpDir, `${process.pid}.${start}.${crypto.randomBytes(6).toString('hex')}.${label}`);
}

/** Parses a temp name back into the pid and start time that made it. */
export function tempOwner(name: string): { pid: number; pidStart: string } | undefined {
  const match = /^([0-9]+)\.([0-9]+)\.[0-9a-f]{12}\./.exec(name);
  return match ? { pid: Number(match[1]), pidStart: match[2]! } : undefined;
}

export function writeDurable(file: string, data: string | Uint8Array): void {
  const fd = fs.openSync(file, 'wx', 0o644);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export interface WriteOptions {
  /** Refuse (exit 1) instead of replacing an existing file at the target. */
  readonly noReplace: boolean;
  /** fsync file and directory; off only for advisory files that a reboot makes moot. */
  readonly durable?: boolean;
  /** Name of the fault points this write passes (`<label>:after-temp`, `<label>:after-link`). */
  readonly faultLabel?: string;
}

/** Writes a complete file at target or nothing: temp, fsync, link or rename, fsync dir. */
export function writeFileAtomic(tmpDir: string, target: string, data: string, options: WriteOptions): void {
  fs.mkdirSync(tmpDir, { recursive: true });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temp = tempPath(tmpDir, path.basename(target));
  const durable = options.durable ?? true;
  if (durable) writeDurable(temp, data);
  else fs.writeFileSync(temp, data, { flag: 'wx', mode: 0o644 });
  if (options.faultLabel) faultPoint(`${options.faultLabel}:after-temp`);
  try {
    if (options.noReplace) {
      linkNoReplace(temp, target);
      if (options.faultLabel) faultPoint(`${options.faultLabel}:after-link`);
      fs.unlinkSync(temp);
    } else {
      fs.renameSync(temp, target);
    }
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
  if (durable) fsyncDir(path.dirname(target));
}

function linkNoReplace(source: string, target: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      fs.linkSync(source, target);
      return;
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'EEXIST') {
        throw new SpoolError('failed', `refusing to overwrite ${target}: it already exists`);
      }
      // The reaper may prune an empty parent between our mkdir and link: make it again.
      if (code === 'ENOENT' && fs.existsSync(source) && attempt < 3) {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        continue;
      }
      throw error;
    }
  }
}

export type MoveOutcome = 'moved' | 'source-gone';

/**
 * Moves a file without ever replacing the target. 'source-gone' means another process
 * moved it first (the loser of a race). A crash between link and unlink leaves two
 * names for one inode, which the reaper resolves.
 */
export function moveNoReplace(source: string, target: string, faultLabel: string): MoveOutcome {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  try {
    linkNoReplace(source, target);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' && !fs.existsSync(source)) return 'source-gone';
    throw error;
  }
  faultPoint(`${faultLabel}:after-link`);
  fs.unlinkSync(source);
  faultPoint(`${faultLabel}:after-unlink`);
  fsyncDir(path.dirname(target));
  fsyncDir(path.dirname(source));
  return 'moved';
}
