/**
 * The only ways this project changes the spool and reproducible.db's files: atomic,
 * durable writes and moves that never replace an existing entry and never pass through
 * a symlink. rename(2) replaces
 * silently, so moves use link(2) (fails with EEXIST) followed by unlink(2), as Maildir does.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SpoolError, TargetExistsError, errnoCode } from '../errors.js';
import { faultPoint } from './fault.js';
import { ownStart, processStart } from './process-identity.js';

/** Where writes may go: under root, with temps in tmpDir (same filesystem, so no EXDEV). */
export interface WriteScope {
  readonly root: string;
  readonly tmpDir: string;
}

/** Makes a directory's entries durable (a rename is atomic, not durable, until this), or a file's content. */
function fsyncPath(target: string): void {
  const fd = fs.openSync(target, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export const fsyncDir = fsyncPath;
/** For a file another program wrote (pg_dump): ours are written durably by writeDurable. */
export const fsyncFile = fsyncPath;

/**
 * Creates dir (and its parents) below root one component at a time, refusing any
 * component that is a symlink or not a directory, so a planted link cannot make us
 * write outside the spool.
 */
export function ensureDirInside(root: string, dir: string): void {
  const relative = path.relative(root, dir);
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new SpoolError('usage', `refusing to write to ${JSON.stringify(dir)}: it is outside the spool root ${root}`);
  }
  fs.mkdirSync(root, { recursive: true }); // the root is the operator's choice; below it we trust nothing
  let current = root;
  for (const part of relative.split(path.sep).filter(Boolean)) {
    current = path.join(current, part);
    let stat = fs.lstatSync(current, { throwIfNoEntry: false });
    if (stat === undefined) {
      try {
        fs.mkdirSync(current);
      } catch (error) {
        if (errnoCode(error) !== 'EEXIST') throw error; // made by a racer in the meantime: check it below
      }
      stat = fs.lstatSync(current);
    }
    if (!stat.isDirectory()) {
      throw new SpoolError(
        'usage',
        `refusing to write through ${JSON.stringify(current)}: it is ${stat.isSymbolicLink() ? 'a symlink' : 'not a directory'}; spool ` +
          `directories must be real directories (run reap to quarantine it)`,
      );
    }
  }
}

/**
 * A fresh name in the spool's tmp/. The name carries pid and start time so the reaper
 * can tell an orphan from a temp that a live process is still writing.
 */
export function tempPath(tmpDir: string, label: string): string {
  const start = ownStart() || '0';
  return path.join(tmpDir, `${process.pid}.${start}.${crypto.randomBytes(6).toString('hex')}.${label}`);
}

/** Parses a temp name back into the pid and start time that made it. */
export function tempOwner(name: string): { pid: number; pidStart: string } | undefined {
  const match = /^([0-9]+)\.([0-9]+)\.[0-9a-f]{12}\./.exec(name);
  return match ? { pid: Number(match[1]), pidStart: match[2]! } : undefined;
}

/** Whether name is a temp of ours whose writer is gone (a crash mid-write): safe to remove. */
export function isDeadTemp(name: string): boolean {
  const owner = tempOwner(name);
  return owner !== undefined && processStart(owner.pid) !== owner.pidStart;
}

/** Creates file (never an existing one) with data, fsynced; on failure (ENOSPC…) nothing is left. */
export function writeDurable(file: string, data: string | Uint8Array, durable = true, mode = 0o644): void {
  const fd = fs.openSync(file, 'wx', mode);
  try {
    fs.writeFileSync(fd, data);
    if (durable) fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw error;
  }
  fs.closeSync(fd);
}

/**
 * Replaces (or creates) a file outside any spool whole: a temp beside it, fsynced,
 * renamed over it, the directory fsynced. A reader sees the old file or the new one.
 */
export function replaceFileDurably(target: string, data: Uint8Array): void {
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  const temp = tempPath(dir, `${path.basename(target)}.new`);
  try {
    writeDurable(temp, data);
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fsyncDir(dir);
}

/** Copies a file (never over an existing one) and fsyncs the copy. */
export function copyDurable(source: string, target: string): void {
  fs.copyFileSync(source, target, fs.constants.COPYFILE_EXCL);
  const fd = fs.openSync(target, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A new directory in tmp/ filled by `fill`, each file durable, then the directory itself
 * fsynced; removed again if fill fails (ENOSPC…). A crash leaves a temp the reaper removes.
 */
export function stageDirectory(scope: WriteScope, label: string, fill: (staging: string) => void): string {
  ensureDirInside(scope.root, scope.tmpDir);
  const staging = tempPath(scope.tmpDir, label);
  fs.mkdirSync(staging);
  try {
    fill(staging);
    fsyncDir(staging);
    return staging;
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Renames a directory staged in tmp/ to its place whole (a reader sees all of it or
 * nothing), making the parents; the caller has made sure the target is absent (rename(2)
 * would replace an empty directory there). The parent is fsynced. If it cannot be placed,
 * the staged directory is removed: nothing waits in tmp/ for the reaper.
 */
export function placeDirectory(scope: WriteScope, staging: string, target: string): void {
  try {
    ensureDirInside(scope.root, path.dirname(target));
    fs.renameSync(staging, target);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  fsyncDir(path.dirname(target));
}

export interface WriteOptions {
  /** Refuse (exit 1) instead of replacing an existing file at the target. */
  readonly noReplace: boolean;
  /** fsync file and directory; off only for advisory files that a reboot makes moot. */
  readonly durable?: boolean;
  /** Prefix of the fault points this write passes (`<label>:after-temp`, `<label>:after-link`). */
  readonly faultLabel?: string;
  /** The file's permissions (default 0644); 0600 for a private key, which is never readable by others, not even as a temp. */
  readonly mode?: number;
}

/** Writes a complete file at target or nothing: temp, fsync, link or rename, fsync dir. */
export function writeFileAtomic(scope: WriteScope, target: string, data: string, options: WriteOptions): void {
  ensureDirInside(scope.root, scope.tmpDir);
  ensureDirInside(scope.root, path.dirname(target));
  const temp = tempPath(scope.tmpDir, path.basename(target));
  const durable = options.durable ?? true;
  writeDurable(temp, data, durable, options.mode);
  if (options.faultLabel) faultPoint(`${options.faultLabel}:after-temp`);
  try {
    if (options.noReplace) {
      linkNoReplace(scope.root, temp, target);
      if (options.faultLabel) faultPoint(`${options.faultLabel}:after-link`);
    } else {
      fs.renameSync(temp, target);
    }
  } finally {
    fs.rmSync(temp, { force: true });
  }
  if (durable) fsyncDir(path.dirname(target));
}

function linkNoReplace(root: string, source: string, target: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      fs.linkSync(source, target);
      return;
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'EEXIST') {
        throw new TargetExistsError(target);
      }
      // The reaper may prune an empty parent between our mkdir and link: make it again.
      if (code === 'ENOENT' && fs.existsSync(source) && attempt < 3) {
        ensureDirInside(root, path.dirname(target));
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
export function moveNoReplace(scope: WriteScope, source: string, target: string, faultLabel: string): MoveOutcome {
  ensureDirInside(scope.root, path.dirname(target));
  try {
    linkNoReplace(scope.root, source, target);
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
