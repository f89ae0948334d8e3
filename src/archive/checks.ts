/** The archive read (format.ts says what is where): its checks, each check's verdict and record. */
import fs from 'node:fs';
import path from 'node:path';
import { Deb822Error, parseStanza } from '../debian/deb822.js';
import { errnoCode } from '../errors.js';
import type { EntryId } from '../spool/identity.js';
import type { Layout } from '../spool/layout.js';
import { type StoreRecord, parseRecord } from '../store/records.js';
import { listDir } from '../spool/walk.js';
import { type ArchivedVerdict, RECORD_FILE, REMOVING_PREFIX, VERDICT_FILE, VerdictFileError, archiveRoot, checkTimeOf, parseVerdict } from './format.js';

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
  const root = archiveRoot(layout);
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
            const at = checkTimeOf(name);
            if (at !== undefined) checks.push({ dir, id: { suite, arch, pkg, version }, at });
          }
  return { checks, removing };
}

/**
 * The check's verdict, or undefined for a check killed before its verdict (or a name that
 * is no directory); VerdictFileError for a verdict file that is not one.
 */
export function readVerdict(dir: string): ArchivedVerdict | undefined {
  const file = path.join(dir, VERDICT_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
    throw error;
  }
  let stanza;
  try {
    stanza = parseStanza(text);
  } catch (error) {
    if (error instanceof Deb822Error) throw new VerdictFileError(file, error.message);
    throw error;
  }
  return parseVerdict(stanza, file);
}

/**
 * The check's record.json: the record, or why it is not one (torn, edited, written by an
 * older version); undefined when there is none (archived before checks kept their record).
 */
export function readArchivedRecord(dir: string): { record: StoreRecord } | { problem: string; file: string } | undefined {
  const file = path.join(dir, RECORD_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = parseRecord(text);
  return 'problem' in parsed ? { problem: parsed.problem, file } : parsed;
}
