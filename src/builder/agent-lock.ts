/**
 * The lock a `watch` agent holds while it serves a node (locks/_agent-$NODE.lock,
 * proper-lockfile, refreshed): one agent per node, and a way for `await-result` to tell
 * a live agent from none at all, so that a job never waits hours for a build nobody runs.
 * A SIGKILLed agent's lock goes stale after lockStaleSeconds.
 */
import lockfile from 'proper-lockfile';
import { SpoolError, errnoCode } from '../errors.js';
import { ensureDirInside } from '../spool/atomic.js';
import type { Spool } from '../spool/spool.js';

const options = (spool: Spool, node: string) => ({ lockfilePath: spool.layout.agentLockDir(node), realpath: false, stale: spool.thresholds.lockStaleMs });

export async function holdAgentLock(spool: Spool, node: string, onLost: (error: Error) => void): Promise<() => Promise<void>> {
  ensureDirInside(spool.layout.root, spool.layout.locksDir);
  const lockDir = spool.layout.agentLockDir(node);
  try {
    return await lockfile.lock(lockDir.slice(0, -'.lock'.length), { ...options(spool, node), retries: 0, update: spool.thresholds.lockUpdateMs, onCompromised: onLost });
  } catch (error) {
    if (errnoCode(error) === 'ELOCKED') throw new SpoolError('busy', `a watch agent already serves ${node} on ${spool.layout.root} (${lockDir})`);
    throw error;
  }
}

export function agentIsRunning(spool: Spool, node: string): boolean {
  const lockDir = spool.layout.agentLockDir(node);
  return lockfile.checkSync(lockDir.slice(0, -'.lock'.length), options(spool, node));
}
