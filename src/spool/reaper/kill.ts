/**
 * Ending what a dead or overdue holder left running: its own pid and the process group
 * of its build. Identities are checked by start time, so a reused pid is never hit.
 * Signalling is injectable so that tests can watch what would be killed.
 */
import fs from 'node:fs';
import os from 'node:os';
import { errnoCode } from '../../errors.js';
import { sleep } from '../../retry.js';
import type { LockOwner } from '../lock.js';
import { bootId, processStart, processStat } from '../../durable/process-identity.js';

export interface Signaller {
  /** Sends sig to pid (negative: a process group); false if there was no such process. */
  signal(pid: number, sig: NodeJS.Signals | 0): boolean;
  sleep(ms: number): Promise<void>;
}

export const realSignaller: Signaller = {
  signal(pid, sig) {
    try {
      process.kill(pid, sig);
      return true;
    } catch (error) {
      if (errnoCode(error) === 'ESRCH') return false;
      throw error;
    }
  },
  sleep,
};

/** Pids whose process group is pgid, read from /proc. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (/^[0-9]+$/.test(name) && processStat(name)?.pgrp === pgid) members.push(Number(name));
  }
  return members;
}

/** What of the holder is still running on this host: targets for kill (pgid as a negative pid). */
export function leftovers(owner: LockOwner): number[] {
  if (owner.host !== os.hostname() || owner.bootId !== bootId()) return [];
  const targets: number[] = [];
  if (owner.pid !== process.pid && processStart(owner.pid) === owner.pidStart) targets.push(owner.pid);
  // While any member lives, Linux does not reuse a pgid, so members prove the group is the build's.
  const leaderStart = owner.pgid === undefined ? undefined : processStart(owner.pgid);
  if (owner.pgid !== undefined && (leaderStart === undefined || leaderStart === owner.pgidStart)) {
    if (groupMembers(owner.pgid).length > 0) targets.push(-owner.pgid);
  }
  return targets;
}

/** SIGTERM, a grace period, then SIGKILL for whatever is left. */
export async function terminate(targets: number[], graceMs: number, signaller: Signaller): Promise<void> {
  const alive = targets.filter((target) => signaller.signal(target, 'SIGTERM'));
  if (alive.length === 0) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && alive.some((target) => signaller.signal(target, 0))) {
    await signaller.sleep(100);
  }
  for (const target of alive) signaller.signal(target, 'SIGKILL');
}
