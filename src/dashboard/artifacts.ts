/**
 * Where a check's artifacts are (archive/$SUITE/$ARCH/$PKG/$VERSION/$TIME, written by
 * builder/check.ts) and which of them exist, so that pages link only to real files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type DifferingFile, parseDifferingFiles } from '../builder/diffoscope.js';
import type { Layout } from '../spool/layout.js';
import { readVerdict } from '../archive/checks.js';
import { listDir } from '../spool/walk.js';

export interface CheckKey {
  readonly name: string;
  readonly version: string;
  readonly suite: string;
  readonly architecture: string;
  readonly buildDate: string;
}

export interface Artifact {
  readonly label: string;
  readonly file: string;
}

function archiveDirOf(layout: Layout, check: CheckKey): string {
  return layout.archiveDir({ suite: check.suite, arch: check.architecture, pkg: check.name, version: check.version }, check.buildDate);
}

/**
 * The archived checks (their directories), by package, from one walk of archive/: one
 * readdir per directory there rather than a stat per history row (most rows of a big
 * database have no archive).
 */
export function listArchived(layout: Layout): Map<string, Set<string>> {
  const byPackage = new Map<string, Set<string>>();
  const base = layout.archiveRoot;
  for (const suite of readNames(base)) {
    for (const arch of readNames(path.join(base, suite))) {
      for (const name of readNames(path.join(base, suite, arch))) {
        for (const version of readNames(path.join(base, suite, arch, name))) {
          for (const time of readNames(path.join(base, suite, arch, name, version))) {
            const dirs = byPackage.get(name) ?? new Set();
            dirs.add(path.join(base, suite, arch, name, version, time));
            byPackage.set(name, dirs);
          }
        }
      }
    }
  }
  return byPackage;
}

/** Build logs, .buildinfo files and diffoscope reports of one check, in a stable order. */
export function artifactsOf(layout: Layout, archived: ReadonlyMap<string, ReadonlySet<string>>, check: CheckKey): Artifact[] {
  const dir = archiveDirOf(layout, check);
  if (!archived.get(check.name)?.has(dir)) return [];
  const found: Artifact[] = [];
  for (const build of ['build1', 'build2']) {
    const names = readNames(path.join(dir, build));
    if (names.includes('build.log.gz')) found.push({ label: `${build} log`, file: path.join(dir, build, 'build.log.gz') });
    for (const name of names.filter((n) => n.endsWith('.buildinfo'))) found.push({ label: `${build} .buildinfo`, file: path.join(dir, build, name) });
  }
  for (const report of ['diffoscope.html', 'diffoscope.txt']) {
    if (fs.existsSync(path.join(dir, report))) found.push({ label: report, file: path.join(dir, report) });
  }
  return found;
}

function readNames(dir: string): string[] {
  return listDir(dir)
    .map((d) => d.name)
    .sort();
}

/** What the check's archived verdict file names as differing (Differing-Files), if it is archived. */
export function differingFilesOf(layout: Layout, archived: ReadonlyMap<string, ReadonlySet<string>>, check: CheckKey): DifferingFile[] {
  const dir = archiveDirOf(layout, check);
  return archived.get(check.name)?.has(dir) ? archivedDifferingFiles(dir) : [];
}

/** The differing files an archived check's verdict file names: one "NAME: ./path…" line each. */
export function archivedDifferingFiles(archive: string): DifferingFile[] {
  // No verdict file: archived before it, a check that died at its commit point.
  return parseDifferingFiles(readVerdict(archive)?.get('Differing-Files'));
}
