/**
 * Debian architecture names and wildcards, matched as dpkg matches them (Dpkg::Arch's
 * debarch_is, what `dpkg-architecture -a ARCH -i WILDCARD` answers): every name stands
 * for an (abi, libc, os, cpu) tuple read from dpkg's own tupletable and cputable, and a
 * wildcard is a tuple with `any` parts (`any`, `linux-any`, `any-amd64`,
 * `gnu-any-any`…). So `linux-amd64`, `any-arm64` or `musl-linux-any` mean exactly what
 * they mean to the archive, and new architectures come with dpkg, not with this file.
 */
import fs from 'node:fs';
import { SpoolError } from '../errors.js';

const DPKG_DATA = '/usr/share/dpkg';

type Tuple = readonly [abi: string, libc: string, os: string, cpu: string];

let tuples: Map<string, Tuple> | undefined;

function tableLines(name: string): string[][] {
  let text: string;
  try {
    text = fs.readFileSync(`${DPKG_DATA}/${name}`, 'utf8');
  } catch (error) {
    throw new SpoolError('usage', `cannot read dpkg's ${DPKG_DATA}/${name} (${(error as Error).message}): is dpkg installed?`);
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.trim().split(/\s+/));
}

/** Debian architecture name → tuple, with `<cpu>` rows expanded over every cpu, first row winning (as dpkg does). */
function archTuples(): Map<string, Tuple> {
  if (tuples) return tuples;
  const cpus = tableLines('cputable').map(([cpu]) => cpu!);
  const byArch = new Map<string, Tuple>();
  const taken = new Set<string>();
  for (const [tuple, arch] of tableLines('tupletable')) {
    const expansions = tuple!.includes('<cpu>')
      ? cpus.map((cpu) => [tuple!.replace('<cpu>', cpu), arch!.replace('<cpu>', cpu)] as const)
      : [[tuple!, arch!] as const];
    for (const [t, a] of expansions) {
      if (byArch.has(a) || taken.has(t)) continue;
      byArch.set(a, t.split('-', 4) as unknown as Tuple);
      taken.add(t);
    }
  }
  tuples = byArch;
  return byArch;
}

function archToTuple(arch: string): Tuple | undefined {
  const name = /^linux-([^-]*)/.exec(arch)?.[1] ?? arch; // dpkg still reads linux-X as X
  return archTuples().get(name);
}

function wildcardToTuple(wildcard: string): Tuple | undefined {
  const parts = wildcard.split('-', 4);
  if (!parts.includes('any')) return archToTuple(wildcard);
  const padded = [...Array<string>(4 - parts.length).fill('any'), ...parts];
  return padded as unknown as Tuple;
}

/** Is the real architecture arch matched by name (an architecture or a wildcard)? */
export function architectureMatches(arch: string, name: string): boolean {
  if (name === arch || name === 'any') return true;
  const real = archToTuple(arch);
  const alias = wildcardToTuple(name);
  if (!real || !alias) return false;
  return alias.every((part, i) => part === 'any' || part === real[i]);
}
