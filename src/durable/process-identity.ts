/**
 * Who holds something: host, boot, pid and the pid's start time. A pid alone can be
 * reused after a crash; pid + start time + boot id cannot, so liveness judged from
 * them never mistakes a stranger for the owner (nor kills one).
 */
import fs from 'node:fs';
import os from 'node:os';
import { errnoCode } from '../errors.js';

export interface ProcessIdentity {
  readonly host: string;
  readonly bootId: string;
  readonly pid: number;
  /** Field 22 of /proc/PID/stat: clock ticks after boot when the process started. */
  readonly pidStart: string;
}

let cachedBootId: string | undefined;

export function bootId(): string {
  cachedBootId ??= fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  return cachedBootId;
}

export interface ProcessStat {
  /** Field 5 of /proc/PID/stat. */
  readonly pgrp: number;
  /** Field 22: clock ticks after boot when the process started. */
  readonly start: string;
}

/** /proc/PID/stat of a process, or undefined when no such process exists (or it exited while we read). */
export function processStat(pid: number | string): ProcessStat | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ESRCH') return undefined;
    throw error;
  }
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pgrp: Number(fields[2]), start: fields[19] ?? '' };
}

/** Start time of a process, or undefined when no such process exists. */
export function processStart(pid: number): string | undefined {
  return processStat(pid)?.start;
}

let cachedOwnStart: string | undefined;

/** This process's own start time: it never changes, so /proc is read once (temps and locks ask for it on every write). */
export function ownStart(): string {
  cachedOwnStart ??= processStart(process.pid) ?? '';
  return cachedOwnStart;
}

export function currentProcess(): ProcessIdentity {
  return { host: os.hostname(), bootId: bootId(), pid: process.pid, pidStart: ownStart() };
}

export type Liveness = 'alive' | 'dead' | 'unknown';

/** Alive or dead when the process ran on this host in this boot; unknown otherwise. */
export function liveness(owner: ProcessIdentity): Liveness {
  if (owner.host !== os.hostname()) return 'unknown';
  if (owner.bootId !== bootId()) return 'dead';
  return processStart(owner.pid) === owner.pidStart ? 'alive' : 'dead';
}
