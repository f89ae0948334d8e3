/**
 * disorderfs (build 2's shuffled directory entries) for the host builder: a FUSE mount of
 * the unpacked tree at the build path, made before the build and unmounted after it.
 * disorderfs runs as a daemon of its own session, outside the build's process group, so
 * a build killed with its mount up leaves the mount and its daemon behind: the reaper
 * unmounts every disorderfs mount under the dead build's workdir (unmountUnder) before it
 * removes the directory, which ends the daemon too. sbuild's builds cannot use it
 * (DISORDERFS_SKIPPED in variations.ts says why).
 */
import fs from 'node:fs';
import path from 'node:path';
import { outputOf } from '../process/run.js';
import { hasDisorderfs } from './tools.js';

const FSTYPE = 'fuse.disorderfs';
const TIMEOUT_MS = 30_000;

/** Why this machine cannot mount disorderfs for a host build; undefined when it can. */
export function disorderfsUnusable(): string | undefined {
  if (!hasDisorderfs()) return 'disorderfs is not installed';
  try {
    fs.accessSync('/dev/fuse', fs.constants.R_OK | fs.constants.W_OK);
  } catch {
    return '/dev/fuse is not readable and writable by this user';
  }
  return undefined;
}

/** Mounts `tree` at `mountpoint` with its directory entries shuffled; exit 1 naming the command and its complaint when it cannot (outputOf). */
export function mountDisorderfs(tree: string, mountpoint: string): void {
  fs.mkdirSync(mountpoint, { recursive: true });
  // --multi-user: the build (another user on sbuild nodes, the invoking one here) may read it; entries shuffled, owners as they are.
  outputOf('disorderfs', ['--multi-user=yes', '--shuffle-dirents=yes', '--quiet', tree, mountpoint], { timeoutMs: TIMEOUT_MS });
}

export function unmountDisorderfs(mountpoint: string): void {
  // -z: lazily, so a process still inside (a killed build's) cannot keep it up.
  outputOf('fusermount', ['-u', '-z', mountpoint], { timeoutMs: TIMEOUT_MS });
}

/** The disorderfs mount points at or below `dir`, deepest first (from /proc/self/mountinfo). */
export function disorderfsMountsUnder(dir: string, mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const root = path.resolve(dir);
  const unescape = (field: string) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  return mountinfo
    .split('\n')
    .flatMap((line) => {
      const [before, after] = line.split(' - ');
      const mountpoint = before?.split(' ')[4];
      const fstype = after?.split(' ')[0];
      return mountpoint !== undefined && fstype === FSTYPE ? [unescape(mountpoint)] : [];
    })
    .filter((m) => m === root || m.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts what a killed build left under its workdir; the mount points unmounted. */
export function unmountUnder(dir: string): string[] {
  const mounts = disorderfsMountsUnder(dir);
  for (const mountpoint of mounts) unmountDisorderfs(mountpoint);
  return mounts;
}
