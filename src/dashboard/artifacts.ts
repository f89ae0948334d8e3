/**
 * Where a check's artifacts are (archive/$SUITE/$ARCH/$PKG/$VERSION/$TIME, written by
 * builder/check.ts) and which of them exist, so that pages link only to real files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errors.js';

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

function archiveKey(check: CheckKey): string {
  return [check.suite, check.architecture, check.name, check.version, check.buildDate.replace(/[:.]/g, '-')].join('/');
}

/**
 * The archived checks, by package, from one walk of archive/: one readdir per directory
 * there rather than a stat per history row (most rows of a big database have no archive).
 */
export function listArchived(root: string): Map<string, Set<string>> {
  const byPackage = new Map<string, Set<string>>();
  const base = path.join(root, 'archive');
  for (const suite of readNames(base)) {
    for (const arch of readNames(path.join(base, suite))) {
      for (const name of readNames(path.join(base, suite, arch))) {
        for (const version of readNames(path.join(base, suite, arch, name))) {
          for (const time of readNames(path.join(base, suite, arch, name, version))) {
            const keys = byPackage.get(name) ?? new Set();
            keys.add([suite, arch, name, version, time].join('/'));
            byPackage.set(name, keys);
          }
        }
      }
    }
  }
  return byPackage;
}

/** Build logs, .buildinfo files and diffoscope reports of one check, in a stable order. */
export function artifactsOf(root: string, archived: ReadonlyMap<string, ReadonlySet<string>>, check: CheckKey): Artifact[] {
  const key = archiveKey(check);
  if (!archived.get(check.name)?.has(key)) return [];
  const dir = path.join(root, 'archive', key);
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
  try {
    return fs.readdirSync(dir).sort();
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw error;
  }
}
