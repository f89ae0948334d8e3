/**
 * Which of a check's artifacts exist (archive/format.ts says where they are), so that pages
 * link only to real files.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DifferingFile } from '../builder/diffoscope-report.js';
import { BUILD_LOG, type Layout } from '../spool/layout.js';
import { readVerdict, walkArchive } from '../archive/checks.js';
import { REBUILD_LINK, VERDICT_LINK } from '../trust/link.js';
import { BUILD_DIR_NAMES, REPORT_NAMES, VerdictFileError, checkDir } from '../archive/format.js';
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

function checkDirOf(layout: Layout, check: CheckKey): string {
  return checkDir(layout, { suite: check.suite, arch: check.architecture, pkg: check.name, version: check.version }, check.buildDate);
}

/**
 * The archived checks (their directories), by package, from one walk of archive/: one
 * readdir per directory there rather than a stat per history row (most rows of a big
 * database have no archive).
 */
export function listArchived(layout: Layout): Map<string, Set<string>> {
  const byPackage = new Map<string, Set<string>>();
  for (const check of walkArchive(layout).checks) byPackage.set(check.id.pkg, (byPackage.get(check.id.pkg) ?? new Set()).add(check.dir));
  return byPackage;
}

/** Build logs, .buildinfo files, in-toto links and diffoscope reports of one check, in a stable order. */
export function artifactsOf(layout: Layout, archived: ReadonlyMap<string, ReadonlySet<string>>, check: CheckKey): Artifact[] {
  const dir = checkDirOf(layout, check);
  if (!archived.get(check.name)?.has(dir)) return [];
  const found: Artifact[] = [];
  for (const build of BUILD_DIR_NAMES) {
    const names = listDir(path.join(dir, build))
      .map((d) => d.name)
      .sort();
    if (names.includes(BUILD_LOG)) found.push({ label: `${build} log`, file: path.join(dir, build, BUILD_LOG) });
    for (const name of names.filter((n) => n.endsWith('.buildinfo'))) found.push({ label: `${build} .buildinfo`, file: path.join(dir, build, name) });
    if (names.includes(REBUILD_LINK)) found.push({ label: `${build} in-toto link`, file: path.join(dir, build, REBUILD_LINK) });
  }
  if (fs.existsSync(path.join(dir, VERDICT_LINK))) found.push({ label: 'verdict in-toto link', file: path.join(dir, VERDICT_LINK) });
  for (const report of REPORT_NAMES) {
    if (fs.existsSync(path.join(dir, report))) found.push({ label: report, file: path.join(dir, report) });
  }
  return found;
}

/** What the check's archived verdict file names as differing (Differing-Files), if it is archived. */
export function differingFilesOf(layout: Layout, archived: ReadonlyMap<string, ReadonlySet<string>>, check: CheckKey): readonly DifferingFile[] {
  const dir = checkDirOf(layout, check);
  if (!archived.get(check.name)?.has(dir)) return [];
  try {
    return archivedDifferingFiles(dir);
  } catch (error) {
    // One hand-edited verdict file must not take every page down: `check` names it (unreadable-verdict), and the dashboard lists its findings.
    if (error instanceof VerdictFileError) return [];
    throw error;
  }
}

/** The differing files an archived check's verdict file names: one "NAME: ./path…" line each. */
export function archivedDifferingFiles(archive: string): readonly DifferingFile[] {
  // No verdict file: archived before it, a check that died at its commit point.
  return readVerdict(archive)?.differingFiles ?? [];
}
