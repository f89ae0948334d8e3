/**
 * Keeps the embedded database bounded (`db fold`): checks older than the cut-off leave
 * result_history and builds, except each package's latest one, which carries its verdict
 * on. What the dashboard's history chart shows of those days is kept first, as the
 * daily snapshots of verdict_days. Idempotent: folding again at the same cut-off changes
 * nothing, and snapshots already stored are never rewritten.
 */
import type { SqlSession } from './session.js';
import { type DatedVerdict, type DaySnapshot, dailySnapshots } from './verdict-days.js';

export interface Folded {
  /** Checks removed from result_history (with their single builds). */
  readonly checks: number;
  /** Days those checks were made on. */
  readonly days: number;
  readonly before: string;
}

export async function foldHistory(db: SqlSession, before: string): Promise<Folded> {
  const rows = (
    await db.all<{ journal_id: string; name: string; suite: string; architecture: string; verdict: string; build_date: string }>(
      'SELECT journal_id, name, suite, architecture, verdict, build_date FROM result_history WHERE build_date < ? ORDER BY build_date, journal_id',
      [before],
    )
  ).map((r): DatedVerdict & { journalId: string } => ({ ...r, journalId: r.journal_id, buildDate: r.build_date }));
  const { latest, days } = dailySnapshots(rows);
  for (const [key, series] of days) {
    const [suite, architecture] = key.split('/') as [string, string];
    for (const snapshot of series) {
      // Days folded before are stored already; recomputed from the rows left for them they would be short.
      for (const [verdict, packages] of Object.entries(snapshot.byVerdict)) {
        if (packages <= 0) continue;
        await db.run('INSERT INTO verdict_days (day, suite, architecture, verdict, packages) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [
          snapshot.day,
          suite,
          architecture,
          verdict,
          packages,
        ]);
      }
    }
  }
  const kept = new Set([...latest.values()].flatMap((packages) => [...packages.values()].map((row) => row.journalId)));
  const removed = rows.filter((row) => !kept.has(row.journalId));
  for (const row of removed) {
    await db.run('DELETE FROM builds WHERE journal_id = ?', [row.journalId]);
    await db.run('DELETE FROM result_history WHERE journal_id = ?', [row.journalId]);
  }
  return { checks: removed.length, days: new Set(removed.map((row) => row.buildDate.slice(0, 10))).size, before };
}

/** The stored snapshots, per "suite/arch", oldest first. */
export async function foldedDays(db: SqlSession): Promise<Map<string, DaySnapshot[]>> {
  const rows = await db.all<{ day: string; suite: string; architecture: string; verdict: string; packages: number }>(
    'SELECT day, suite, architecture, verdict, packages FROM verdict_days ORDER BY suite, architecture, day',
  );
  const days = new Map<string, Array<{ day: string; byVerdict: Record<string, number> }>>();
  for (const row of rows) {
    const series = days.get(`${row.suite}/${row.architecture}`) ?? [];
    if (series.at(-1)?.day !== row.day) series.push({ day: row.day, byVerdict: {} });
    series.at(-1)!.byVerdict[row.verdict] = Number(row.packages);
    days.set(`${row.suite}/${row.architecture}`, series);
  }
  return days;
}
