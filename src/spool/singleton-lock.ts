/**
 * A lock that lets one process at a time do something to a whole spool (the reaper) or
 * serve a node (a watch agent): a proper-lockfile directory under locks/, refreshed
 * while held, stale after lockStaleSeconds when its holder died. Taking it never waits:
 * a live holder means exit 4 (busy).
 */
import fs from 'node:fs';
import lockfile from 'proper-lockfile';
import { SpoolError, errnoCode } from '../errors.js';
import { ensureDirInside } from '../durable/atomic.js';
import { isFutureDated } from './lock.js';
import type { Spool } from './spool.js';

/** proper-lockfile locks a file path and makes `<path>.lock`; ours are named by that directory. */
function lockedPath(lockDir: string): string {
  return lockDir.slice(0, -'.lock'.length);
}

/** Takes the lock at lockDir (a `….lock` path under locks/) or throws 'busy' with the message. */
export async function holdSingletonLock(
  spool: Spool,
  lockDir: string,
  busyMessage: string,
  onCompromised: (error: Error) => void,
): Promise<() => Promise<void>> {
  ensureDirInside(spool.layout.root, spool.layout.locksDir);
  // proper-lockfile judges staleness by mtime alone: a future-dated lock would refuse every reaper for ever.
  try {
    if (isFutureDated(spool, fs.statSync(lockDir).mtimeMs)) fs.rmSync(lockDir, { recursive: true, force: true });
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
  try {
    return await lockfile.lock(lockedPath(lockDir), {
      lockfilePath: lockDir,
      realpath: false,
      retries: 0,
      stale: spool.thresholds.lockStaleMs,
      update: spool.thresholds.lockUpdateMs,
      onCompromised,
    });
  } catch (error) {
    if (errnoCode(error) === 'ELOCKED') throw new SpoolError('busy', busyMessage);
    throw error;
  }
}

/** True while a live holder keeps the lock at lockDir fresh. */
export function singletonLockHeld(spool: Spool, lockDir: string): boolean {
  return lockfile.checkSync(lockedPath(lockDir), { lockfilePath: lockDir, realpath: false, stale: spool.thresholds.lockStaleMs });
}
