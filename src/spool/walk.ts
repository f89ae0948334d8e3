/**
 * Lists a spool by walking its known layout level by level ($PLACE/$SUITE/$ARCH/$PKG/$VERSION)
 * with dirent types, so no entry costs a stat and no symlink is ever followed. Anything
 * that does not fit the layout is returned as an anomaly for the reaper to quarantine.
 */
import type { Dirent } from 'node:fs';
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errors.js';
import type { EntryId } from './identity.js';
import { FIXED_STATES, type Layout, NODE_INFORMATION, type Place, placeFromName, placeName } from './layout.js';
import { type NameKind, isName, isPackageName, isVersion } from './names.js';

export interface WalkedEntry {
  readonly place: Place;
  readonly id: EntryId;
  readonly path: string;
}

export interface Anomaly {
  readonly path: string;
  readonly reason: string;
}

export interface WalkResult {
  readonly entries: WalkedEntry[];
  readonly anomalies: Anomaly[];
  /** Package directories with nothing left in them, which the reaper prunes. */
  readonly emptyDirs: string[];
}

export interface WalkFilter {
  readonly places?: readonly Place[];
  readonly suite?: string;
  readonly arch?: string;
  readonly pkg?: string;
}

type Check = (name: string) => boolean;
const LEVELS: ReadonlyArray<{ what: string; article: string; valid: Check }> = [
  { what: 'suite', article: 'a', valid: (n) => isName('suite' satisfies NameKind, n) },
  { what: 'architecture', article: 'an', valid: (n) => isName('architecture', n) },
  { what: 'source package', article: 'a', valid: isPackageName },
  { what: 'version', article: 'a', valid: isVersion },
];

/** Directory listing that treats a directory removed under us as empty. */
export function listDir(dir: string): Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw error;
  }
}

export function describeType(dirent: Dirent): string {
  if (dirent.isSymbolicLink()) return 'a symlink (never followed)';
  if (dirent.isDirectory()) return 'a directory';
  if (dirent.isFile()) return 'a regular file';
  return 'a special file';
}

export function walkEntries(layout: Layout, filter: WalkFilter = {}): WalkResult {
  const result: WalkResult = { entries: [], anomalies: [], emptyDirs: [] };
  const wanted = filter.places ? new Set(filter.places.map(placeName)) : undefined;
  for (const top of listDir(layout.buildsDir)) {
    if (wanted && !wanted.has(top.name)) continue;
    const place = topLevel(layout.buildsDir, top, result);
    if (place) walkLevel(path.join(layout.buildsDir, top.name), place, [], filter, 'file', result);
  }
  return result;
}

/** Results directories (reproducible-results/$NODE/…/$VERSION/), reported as entries whose path is a directory. */
export function walkResults(layout: Layout): WalkResult {
  const result: WalkResult = { entries: [], anomalies: [], emptyDirs: [] };
  for (const top of listDir(layout.resultsDir)) {
    if (top.name === NODE_INFORMATION) continue;
    const place = topLevel(layout.resultsDir, top, result);
    if (place?.state === 'node') walkLevel(path.join(layout.resultsDir, top.name), place, [], {}, 'directory', result);
    else if (place) result.anomalies.push({ path: path.join(layout.resultsDir, top.name), reason: 'results belong to nodes, not to a state' });
  }
  return result;
}

function topLevel(base: string, top: Dirent, result: WalkResult): Place | undefined {
  const topPath = path.join(base, top.name);
  if (!top.isDirectory()) {
    result.anomalies.push({ path: topPath, reason: `${describeType(top)} where a state or node directory belongs` });
  } else if (!isName('node', top.name) && !(FIXED_STATES as readonly string[]).includes(top.name)) {
    result.anomalies.push({ path: topPath, reason: `${JSON.stringify(top.name)} is neither a state nor a valid node name` });
  } else {
    return placeFromName(top.name);
  }
  return undefined;
}

function walkLevel(dir: string, place: Place, names: string[], filter: WalkFilter, leaf: 'file' | 'directory', result: WalkResult): void {
  const level = LEVELS[names.length]!;
  const only = [filter.suite, filter.arch, filter.pkg][names.length];
  const isLeaf = names.length === LEVELS.length - 1;
  const children = listDir(dir);
  if (isLeaf && children.length === 0) result.emptyDirs.push(dir);
  for (const dirent of children) {
    if (only !== undefined && dirent.name !== only) continue;
    const child = path.join(dir, dirent.name);
    const expectDir = !isLeaf || leaf === 'directory';
    if (!level.valid(dirent.name)) {
      result.anomalies.push({ path: child, reason: `${JSON.stringify(dirent.name)} is not a valid ${level.what}` });
    } else if (expectDir ? !dirent.isDirectory() : !dirent.isFile()) {
      const expected = isLeaf ? (leaf === 'file' ? 'an entry file' : 'a results directory') : `${level.article} ${level.what} directory`;
      result.anomalies.push({ path: child, reason: `${describeType(dirent)} where ${expected} belongs` });
    } else if (isLeaf) {
      const [suite, arch, pkg] = names as [string, string, string];
      result.entries.push({ place, id: { suite, arch, pkg, version: dirent.name }, path: child });
    } else {
      walkLevel(child, place, [...names, dirent.name], filter, leaf, result);
    }
  }
}
