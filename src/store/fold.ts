/**
 * Keeps the embedded database bounded (`db fold`): checks older than the cut-off leave
 * result_history and builds, except each package's latest one, which carries its verdict
 * on. The dashboard's history chart loses nothing: it is read from verdict_changes, which
 * each check appended to when it was recorded (verdict-days.ts); the fold only sums those
 * rows up, a row per day, suite/arch and verdict. Idempotent: folding again at the same
 * cut-off changes nothing.
 */
import type { SqlSession } from './session.js';
import { checksInOrder, compactChanges } from './verdict-days.js';

export interface Folded {
  /** Checks removed from result_history (with their single builds). */
  readonly checks: number;
  /** Days those checks were made on. */
  readonly days: number;
  readonly before: string;
}

export async function foldHistory(db: SqlSession, before: string): Promise<Folded> {
  // Every check before the cut-off that a later check of its package (also before it)
  // replaced: worked out once (a window over the history), then counted and deleted.
  await db.run('CREATE TEMPORARY TABLE folded_checks (journal_id TEXT PRIMARY KEY, day TEXT NOT NULL)');
  await db.run(
    `INSERT INTO folded_checks (journal_id, day)
     SELECT journal_id, substr(build_date, 1, 10) FROM (${checksInOrder('WHERE build_date < ?')}) AS ordered WHERE replaced_at IS NOT NULL`,
    [before],
  );
  const [removed] = await db.all<{ checks: number; days: number }>(
    'SELECT CAST(count(*) AS INTEGER) AS checks, CAST(count(DISTINCT day) AS INTEGER) AS days FROM folded_checks',
  );
  await db.run('DELETE FROM builds WHERE journal_id IN (SELECT journal_id FROM folded_checks)');
  await db.run('DELETE FROM result_history WHERE journal_id IN (SELECT journal_id FROM folded_checks)');
  await db.run('DROP TABLE folded_checks');
  await compactChanges(db);
  return { checks: Number(removed?.checks ?? 0), days: Number(removed?.days ?? 0), before };
}
