/**
 * The variations applied as a wrapper around the whole build (sbuild, or the host
 * builder's command): the kernel personality (setarch: `uname -r` and ASLR, inherited by
 * every process of the build) and the CPUs it may run on (taskset: what `nproc` says).
 */
import fs from 'node:fs';
import os from 'node:os';
import { SpoolError } from '../errors.js';
import type { BuildProfile } from './variations.js';

/** `setarch` for what this build's personality differs in; nothing when it is the node's own. */
export function personalityPrefix(profile: BuildProfile): string[] {
  const flags = [...(profile.uname26 ? ['--uname-2.6'] : []), ...(profile.aslr ? [] : ['--addr-no-randomize'])];
  return flags.length === 0 ? [] : ['setarch', os.machine(), ...flags];
}

/** The CPUs of a kernel CPU list ("0-3,6"), in order. */
export function parseCpuList(list: string): number[] {
  return list
    .trim()
    .split(',')
    .filter((part) => part !== '')
    .flatMap((part) => {
      const match = /^(\d+)(?:-(\d+))?$/.exec(part);
      if (!match) throw new SpoolError('failed', `the kernel's CPU list ${JSON.stringify(list)} is not one: expected numbers and ranges such as 0-3,6`);
      const [from, to] = [Number(match[1]), Number(match[2] ?? match[1])];
      return Array.from({ length: to - from + 1 }, (_, i) => from + i);
    });
}

/** The CPUs this process may run on (its affinity, which a build inherits). */
export function allowedCpus(status = fs.readFileSync('/proc/self/status', 'utf8')): number[] {
  const list = /^Cpus_allowed_list:\s*(.+)$/m.exec(status)?.[1];
  return list === undefined ? Array.from({ length: os.availableParallelism() }, (_, i) => i) : parseCpuList(list);
}

export interface CpuAffinity {
  /** The `taskset` words before the build command; none for all the CPUs. */
  readonly prefix: string[];
  /** What the results' `variations` file says. */
  readonly recorded: string;
  /** Why the count cannot differ on this node. */
  readonly skipped?: string;
}

export function cpuAffinity(profile: BuildProfile, allowed: readonly number[] = allowedCpus()): CpuAffinity {
  const all = `all ${allowed.length} of the node's`;
  if (profile.cpus === 'all') return { prefix: [], recorded: all };
  if (allowed.length < 2) return { prefix: [], recorded: all, skipped: `the node lets builds use ${allowed.length} CPU: there is no smaller count` };
  const fewer = allowed.slice(0, -1);
  return { prefix: ['taskset', '-c', fewer.join(',')], recorded: `${fewer.length} of the node's ${allowed.length} (taskset -c ${fewer.join(',')})` };
}
