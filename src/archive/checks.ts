/**
 * The archive's format, read: archive/$SUITE/$ARCH/$PKG/$VERSION/$TIME/ holds one check
 * (build1/, build2/, record.json, then its verdict file, the commit point, and diffoscope
 * reports). $TIME is the check's time with ':' and '.' made '-'. A directory named
 * .removing-$TIME is a check `archive prune` is removing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Stanza, parseStanza } from '../debian/deb822.js';
import { errnoCode } from '../errors.js';
import type { EntryId } from '../spool/identity.js';
import { type Layout, VERDICT_FILE } from '../spool/layout.js';
import { listDir } from '../spool/walk.js';

export const REMOVING_PREFIX = '.removing-';
const CHECK_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z$/;

export interface ArchivedCheck {
  readonly dir: string;
  readonly id: EntryId;
  /** When the check concluded (its directory's name), ms since the epoch. */
  readonly at: number;
}

export interface ArchiveWalk {
  readonly checks: ArchivedCheck[];
  /** Checks `archive prune` was killed while removing. */
  readonly removing: string[];
}

export function walkArchive(layout: Layout): ArchiveWalk {
  const checks: ArchivedCheck[] = [];
  const removing: string[] = [];
  const dirsOf = (dir: string) => listDir(dir).flatMap((d) => (d.isDirectory() ? [d.name] : []));
  const root = layout.archiveRoot;
  for (const suite of dirsOf(root))
    for (const arch of dirsOf(path.join(root, suite)))
      for (const pkg of dirsOf(path.join(root, suite, arch)))
        for (const version of dirsOf(path.join(root, suite, arch, pkg)))
          for (const name of dirsOf(path.join(root, suite, arch, pkg, version))) {
            const dir = path.join(root, suite, arch, pkg, version, name);
            if (name.startsWith(REMOVING_PREFIX)) {
              removing.push(dir);
              continue;
            }
            const match = CHECK_TIME.exec(name);
            if (match) {
              const at = Date.parse(`${match[1]}T${match[2]}:${match[3]}:${match[4]}.${match[5]}Z`);
              checks.push({ dir, id: { suite, arch, pkg, version }, at });
            }
          }
  return { checks, removing };
}

/** The check's verdict file, or undefined for a check killed before its verdict. */
export function readVerdict(dir: string): Stanza | undefined {
  try {
    return parseStanza(fs.readFileSync(path.join(dir, VERDICT_FILE), 'utf8'));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}
