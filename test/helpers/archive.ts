/** Archived checks written directly (fast fixtures for prune and check): what conclude() leaves, small. */
import fs from 'node:fs';
import path from 'node:path';
import { RECORD_FILE, VERDICT_FILE, checkDir, formatVerdict } from '../../src/archive/format.js';
import type { Layout } from '../../src/spool/layout.js';
import type { Verdict } from '../../src/store/records.js';

export const DAY = 86_400_000;

/** A check of pkg concluded at `at`: both builds with a 1000-byte .deb, a .buildinfo and a log, its record, and its verdict unless unconcluded. */
export function archivedCheck(layout: Layout, pkg: string, at: number, verdict: Verdict | undefined, version = '1.0', suite = 'bookworm'): string {
  const date = new Date(at).toISOString();
  const dir = checkDir(layout, { suite, arch: 'amd64', pkg, version }, date);
  for (const build of ['build1', 'build2']) {
    fs.mkdirSync(path.join(dir, build), { recursive: true });
    fs.writeFileSync(path.join(dir, build, `${pkg}_${version}_all.deb`), 'x'.repeat(1000));
    fs.writeFileSync(path.join(dir, build, `${pkg}_${version}_amd64.buildinfo`), 'Format: 1.0\n');
    fs.writeFileSync(path.join(dir, build, 'build.log.gz'), 'log');
  }
  fs.writeFileSync(path.join(dir, RECORD_FILE), '{}');
  if (verdict) fs.writeFileSync(path.join(dir, VERDICT_FILE), formatVerdict({ source: pkg, version, suite, architecture: 'amd64', verdict, date }));
  return dir;
}

/** The .deb files left in a check's build directories. */
export function debsOf(dir: string): string[] {
  return ['build1', 'build2'].flatMap((b) => (fs.existsSync(path.join(dir, b)) ? fs.readdirSync(path.join(dir, b)).filter((n) => n.endsWith('.deb')) : []));
}
