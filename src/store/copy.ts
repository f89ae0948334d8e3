/**
 * Copies every table of one store into another (`db migrate`: the embedded file into
 * PostgreSQL), history included. Idempotent: rows already there are kept (a result only
 * replaced by a newer one), so a copy interrupted or run twice ends the same. Each table
 * is counted on both sides afterwards: the target must hold at least the source's rows.
 */
import { faultPoint } from '../durable/fault.js';
import { SpoolError } from '../errors.js';
import { MAX_BOUND_VALUES, type SqlSession, type SqlValue, valueRows } from './session.js';
import type { Store } from './store.js';
import { summedChanges } from './verdict-days.js';

/** Every table of the schema, each with the columns that identify a row. */
export const TABLES = [
  { name: 'sources', key: ['name', 'suite', 'architecture'] },
  { name: 'schedule_history', key: ['journal_id'] },
  { name: 'results', key: ['name', 'suite', 'architecture'] },
  { name: 'result_history', key: ['journal_id'] },
  { name: 'builds', key: ['journal_id', 'build_number'] },
  { name: 'node_info', key: ['node', 'key'] },
  { name: 'verdict_days', key: ['day', 'suite', 'architecture', 'verdict'] },
  { name: 'notes', key: ['name'] },
  { name: 'note_issues', key: ['issue', 'name'] },
  { name: 'issues', key: ['name'] },
  // Appended to by every record: copied summed up, and only into a database that has none
  // yet (a second copy would count every change twice; a table copy is one transaction).
  { name: 'verdict_changes', key: [], appendOnly: true },
] as const;

export interface TableCopy {
  readonly table: string;
  readonly source: number;
  /** Rows the target gained. */
  readonly copied: number;
  readonly target: number;
}

export async function copyStore(from: Store, to: Store, progress: (line: string) => void): Promise<TableCopy[]> {
  // One snapshot of the source for every table: the embedded file is loaded once, not once per table.
  return from.read(async (source) => {
    const report: TableCopy[] = [];
    for (const table of TABLES) {
      report.push(await copyTable(source, from.describe(), to, table, progress));
      faultPoint('migrate:after-table'); // a copy killed between two tables: the next run copies the rest
    }
    return report;
  });
}

async function copyTable(
  source: SqlSession,
  sourceName: string,
  to: Store,
  table: (typeof TABLES)[number],
  progress: (line: string) => void,
): Promise<TableCopy> {
  const appendOnly = 'appendOnly' in table;
  const rows: Record<string, SqlValue>[] = appendOnly ? await summedChanges(source) : await source.all(`SELECT * FROM ${table.name}`);
  const before = await to.read((db) => countRows(db, table.name));
  if (rows.length > 0) {
    const columns = Object.keys(rows[0]!);
    const perStatement = Math.max(1, Math.floor(MAX_BOUND_VALUES / columns.length));
    await to.write(async (db) => {
      if (appendOnly && (await countRows(db, table.name)) > 0) return;
      for (let start = 0; start < rows.length; start += perStatement) {
        const batch = rows.slice(start, start + perStatement);
        await db.run(
          `INSERT INTO ${table.name} (${columns.join(', ')}) VALUES ${valueRows(batch.length, columns.length)} ${onConflict(table, columns)}`,
          batch.flatMap((row) => columns.map((c) => row[c] ?? null)),
        );
      }
    });
  }
  const after = await to.read((db) => countRows(db, table.name));
  progress(`${table.name}: ${rows.length} rows, ${after - before} copied`);
  if (after < rows.length)
    throw new SpoolError('integrity', `${table.name}: ${to.describe()} holds ${after} rows after the copy, ${sourceName} ${rows.length}`);
  return { table: table.name, source: rows.length, copied: after - before, target: after };
}

/** A result is replaced only by a newer one, as records do; every other row is kept as it is. */
function onConflict(table: (typeof TABLES)[number], columns: readonly string[]): string {
  if ('appendOnly' in table) return '';
  if (table.name !== 'results') return 'ON CONFLICT DO NOTHING';
  const updates = columns.filter((c) => !(table.key as readonly string[]).includes(c)).map((c) => `${c} = excluded.${c}`);
  return `ON CONFLICT (${table.key.join(', ')}) DO UPDATE SET ${updates.join(', ')} WHERE excluded.build_date > results.build_date`;
}

async function countRows(db: SqlSession, table: string): Promise<number> {
  return Number((await db.all<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))[0]?.n ?? 0);
}
