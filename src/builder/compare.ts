/**
 * Comparing two builds: same .deb names with the same sha256 is reproducible. The two
 * .buildinfo files' Installed-Build-Depends are compared too: if they differ, the build
 * environment changed between the builds and the verdict says so instead of hiding it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseStanza, stripSignature } from '../debian/deb822.js';
import type { Verdict } from '../store/records.js';

export interface Comparison {
  readonly verdict: Extract<Verdict, 'reproducible' | 'unreproducible'>;
  /** Packages present in both builds whose contents differ. */
  readonly differing: string[];
  readonly onlyInFirst: string[];
  readonly onlyInSecond: string[];
  /** Installed-Build-Depends entries that differ between the builds (empty when the environment held still). */
  readonly environmentChanged: string[];
}

/** A binary package a build made (.deb or .udeb): what is compared, and what the archive drops once compared. */
export function isPackageFile(name: string): boolean {
  return /\.u?deb$/.test(name);
}

/** What a build produces and its results keep: the packages, the .buildinfo and the .changes (a build link's products). */
export function isBuildProduct(name: string): boolean {
  return isPackageFile(name) || /\.(buildinfo|changes)$/.test(name);
}

export function compareBuilds(first: string, second: string): Comparison {
  const a = hashes(first);
  const b = hashes(second);
  const differing = [...a.keys()].filter((name) => b.has(name) && a.get(name) !== b.get(name));
  const onlyInFirst = [...a.keys()].filter((name) => !b.has(name));
  const onlyInSecond = [...b.keys()].filter((name) => !a.has(name));
  const reproducible = a.size > 0 && differing.length === 0 && onlyInFirst.length === 0 && onlyInSecond.length === 0;
  return {
    verdict: reproducible ? 'reproducible' : 'unreproducible',
    differing,
    onlyInFirst,
    onlyInSecond,
    environmentChanged: environmentDrift(first, second),
  };
}

function hashes(dir: string): Map<string, string> {
  return new Map(
    fs
      .readdirSync(dir)
      .filter((n) => isPackageFile(n) && fs.lstatSync(path.join(dir, n)).isFile())
      .sort()
      .map((n) => [n, fileSha256(path.join(dir, n))]),
  );
}

/** Read in chunks: a .deb of several GiB (debug symbols of a browser) is hashed in constant memory. */
export function fileSha256(file: string): string {
  const hash = crypto.createHash('sha256');
  const chunk = Buffer.alloc(1 << 20);
  const fd = fs.openSync(file, 'r');
  try {
    for (let read; (read = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0;) hash.update(chunk.subarray(0, read));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

function installed(dir: string): Set<string> {
  const buildinfo = fs.readdirSync(dir).find((n) => n.endsWith('.buildinfo'));
  if (!buildinfo) return new Set();
  const { body, firstLine } = stripSignature(fs.readFileSync(path.join(dir, buildinfo), 'utf8'));
  const field = parseStanza(body, firstLine).get('Installed-Build-Depends') ?? '';
  return new Set(
    field
      .split(/,\s*|\n/)
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

function environmentDrift(first: string, second: string): string[] {
  const a = installed(first);
  const b = installed(second);
  return [...[...a].filter((x) => !b.has(x)).map((x) => `build 1 only: ${x}`), ...[...b].filter((x) => !a.has(x)).map((x) => `build 2 only: ${x}`)];
}
