/**
 * reproducible.db rebuilt from the archive: every concluded check left its record beside
 * its verdict (archive/$SUITE/$ARCH/$PKG/$VERSION/$TIME/record.json, written just before
 * the verdict file, the commit point). Applying them again is idempotent: each carries the
 * key of its check, so a record already in the database adds nothing. A record.json
 * without a verdict file belongs to a check killed before its verdict and is not one.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Layout } from '../spool/layout.js';
import { RECORD_FILE, VERDICT_FILE } from '../archive/format.js';
import { readArchivedRecord, walkArchive } from '../archive/checks.js';
import { type StoreRecord, applyRecord } from './records.js';
import type { SqlSession } from './session.js';

export interface ArchivedRecords {
  readonly records: ReadonlyArray<{ readonly file: string; readonly record: StoreRecord }>;
  /** Record files no store takes (torn, edited), with why. */
  readonly unreadable: ReadonlyArray<{ readonly file: string; readonly problem: string }>;
  /** Checks killed before their verdict: a record file and no verdict file. */
  readonly unconcluded: number;
}

/** Every concluded check's record in the archive, oldest first. */
export function archivedRecords(layout: Layout): ArchivedRecords {
  const records: Array<{ file: string; record: StoreRecord }> = [];
  const unreadable: Array<{ file: string; problem: string }> = [];
  let unconcluded = 0;
  for (const { dir } of walkArchive(layout).checks) {
    const read = readArchivedRecord(dir);
    if (read === undefined) continue; // archived before checks kept their record
    if (!fs.existsSync(path.join(dir, VERDICT_FILE))) unconcluded++;
    else if ('problem' in read) unreadable.push({ file: read.file, problem: read.problem });
    else records.push({ file: path.join(dir, RECORD_FILE), record: read.record });
  }
  records.sort((a, b) => time(a.record).localeCompare(time(b.record)));
  return { records, unreadable, unconcluded };
}

function time(record: StoreRecord): string {
  return record.kind === 'result' ? record.buildDate : record.kind === 'scheduled' ? record.scheduledAt : record.collectedAt;
}

/** Applies the records in one bulk change; returns how many were new to the database. */
export async function applyArchived(db: SqlSession, archived: ArchivedRecords): Promise<number> {
  const count = async () => Number((await db.all<{ n: number }>('SELECT count(*) AS n FROM result_history'))[0]!.n);
  const before = await count();
  for (const { file, record } of archived.records) await applyRecord(db, `archive ${file}`, record);
  return (await count()) - before;
}
