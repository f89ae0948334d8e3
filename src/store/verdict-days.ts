/**
 * The verdict history per suite/arch as daily snapshots: packages per verdict as of the
 * end of each day, each package counted once, by its latest verdict (latest in
 * build_date, then journal id, order). What the dashboard's chart shows.
 *
 * Kept as changes, so that reading it costs what it shows (a row per day and verdict),
 * not the whole history: a check adds its package to its verdict on its day, and takes
 * it away again on the day of that package's next check. Each recorded check appends its
 * changes to verdict_changes in the same transaction (addCheck); their sums per day,
 * suite/arch and verdict are the chart (a day with checks has a row, of 0 if its checks
 * changed nothing). A day's snapshot is the running sum up to it.
 */
import { MAX_BOUND_VALUES, type SqlSession, inChunks, valueRows } from './session.js';

export interface DaySnapshot {
  readonly day: string;
  /** Packages per verdict as of the end of that day (each package counted once, by its latest verdict); no verdict with no package. */
  readonly byVerdict: Record<string, number>;
}

export const suiteArchKey = (r: { readonly suite: string; readonly architecture: string }) => `${r.suite}/${r.architecture}`;

/** Each check of result_history (narrowed by `where`) with the date of its package's next check, which replaced its verdict. */
export function checksInOrder(where = ''): string {
  return `SELECT journal_id, suite, architecture, verdict, build_date,
            LEAD(build_date) OVER (PARTITION BY name, suite, architecture ORDER BY build_date, journal_id) AS replaced_at
       FROM result_history ${where}`;
}

/** verdict_changes as computed from the whole of result_history: how the migration that added the table filled it. */
export const CHANGES_FROM_HISTORY = `SELECT day, suite, architecture, verdict, SUM(change) AS change FROM (
       SELECT substr(build_date, 1, 10) AS day, suite, architecture, verdict, 1 AS change FROM result_history
       UNION ALL
       SELECT substr(replaced_at, 1, 10) AS day, suite, architecture, verdict, -1 AS change FROM (${checksInOrder()}) AS ordered
        WHERE replaced_at IS NOT NULL) AS changes
     GROUP BY day, suite, architecture, verdict`;

export interface NewCheck {
  readonly journalId: string;
  readonly name: string;
  readonly suite: string;
  readonly architecture: string;
  readonly verdict: string;
  readonly buildDate: string;
}

/**
 * Adds a check just inserted into result_history to verdict_changes. It goes between its
 * package's check before it and the one after it, in any order of arrival: it replaces
 * the one before on its day, and the one after replaces it (instead of the one before)
 * on that one's day. Rows are only ever appended, so concurrent writers never wait for
 * each other here (summing into one row per day would make every writer of the day queue
 * on it); db fold sums them up again (compactChanges). A check that changes no verdict
 * (the usual re-check) adds nothing, unless its day has no row yet.
 */
export async function addCheck(db: SqlSession, check: NewCheck): Promise<void> {
  const { journalId, name, suite, architecture, verdict, buildDate } = check;
  const neighbour = (side: '<' | '>', order: 'ASC' | 'DESC') =>
    `SELECT * FROM (SELECT '${side}' AS side, verdict, build_date FROM result_history
       WHERE name = ? AND suite = ? AND architecture = ? AND (build_date, journal_id) ${side} (?, ?)
       ORDER BY build_date ${order}, journal_id ${order} LIMIT 1) AS ${side === '<' ? 'before_it' : 'after_it'}`;
  const key = [name, suite, architecture, buildDate, journalId];
  const neighbours = await db.all<{ side: '<' | '>'; verdict: string; build_date: string }>(`${neighbour('<', 'DESC')} UNION ALL ${neighbour('>', 'ASC')}`, [
    ...key,
    ...key,
  ]);
  const before = neighbours.find((n) => n.side === '<');
  const after = neighbours.find((n) => n.side === '>');
  const changes = new Map<string, { day: string; verdict: string; change: number }>();
  const add = (day: string, v: string, change: number) => {
    const at = `${day} ${v}`;
    changes.set(at, { day, verdict: v, change: (changes.get(at)?.change ?? 0) + change });
  };
  const day = buildDate.slice(0, 10);
  add(day, verdict, 1);
  if (before) add(day, before.verdict, -1);
  if (after) {
    const next = after.build_date.slice(0, 10);
    add(next, verdict, -1);
    if (before) add(next, before.verdict, 1);
  }
  const rows = [...changes.values()].filter((c) => c.change !== 0);
  if (rows.length > 0) {
    await db.run(
      `INSERT INTO verdict_changes (day, suite, architecture, verdict, change) VALUES ${valueRows(rows.length, 5)}`,
      rows.flatMap((c) => [c.day, suite, architecture, c.verdict, c.change]),
    );
  }
  if (!rows.some((c) => c.day === day)) {
    // The chart has a bar for each day with a check: a day of re-checks only needs one row, of 0.
    await db.run(
      `INSERT INTO verdict_changes (day, suite, architecture, verdict, change)
       SELECT ?, ?, ?, ?, 0 WHERE NOT EXISTS (SELECT 1 FROM verdict_changes WHERE day = ? AND suite = ? AND architecture = ?)`,
      [day, suite, architecture, verdict, day, suite, architecture],
    );
  }
}

/** The changes summed up: a row per day, suite/arch and verdict. */
export async function summedChanges(db: SqlSession): Promise<{ day: string; suite: string; architecture: string; verdict: string; change: number }[]> {
  const rows = await db.all<{ day: string; suite: string; architecture: string; verdict: string; change: number }>(
    `SELECT day, suite, architecture, verdict, CAST(SUM(change) AS INTEGER) AS change FROM verdict_changes
      GROUP BY suite, architecture, day, verdict ORDER BY suite, architecture, day, verdict`,
  );
  return rows.map((r) => ({ ...r, change: Number(r.change) }));
}

/** Replaces the appended changes by their sums, so that the table grows with the days, not with the checks. The caller holds the database exclusively. */
export async function compactChanges(db: SqlSession): Promise<void> {
  const sums = await summedChanges(db);
  await db.run('DELETE FROM verdict_changes');
  for (const chunk of inChunks(sums, Math.floor(MAX_BOUND_VALUES / 5))) {
    await db.run(
      `INSERT INTO verdict_changes (day, suite, architecture, verdict, change) VALUES ${valueRows(chunk.length, 5)}`,
      chunk.flatMap((c) => [c.day, c.suite, c.architecture, c.verdict, c.change]),
    );
  }
}

/** The running sums of verdict_changes: a snapshot for each day with a check, per "suite/arch", oldest first. */
export async function dailySnapshots(db: SqlSession): Promise<Map<string, DaySnapshot[]>> {
  const rows = await summedChanges(db);
  const days = new Map<string, DaySnapshot[]>();
  let counts: Record<string, number> = {};
  for (const row of rows) {
    let series = days.get(suiteArchKey(row));
    if (!series) {
      days.set(suiteArchKey(row), (series = []));
      counts = {};
    }
    counts[row.verdict] = (counts[row.verdict] ?? 0) + Number(row.change);
    if (counts[row.verdict] === 0) delete counts[row.verdict];
    if (series.at(-1)?.day === row.day) series[series.length - 1] = { day: row.day, byVerdict: { ...counts } };
    else series.push({ day: row.day, byVerdict: { ...counts } });
  }
  return days;
}

/**
 * The whole history per "suite/arch". Days folded out of result_history before
 * verdict_changes existed come from the snapshots db fold stored then (verdict_days):
 * the changes computed for them from the rows left are short.
 */
export async function verdictDays(db: SqlSession): Promise<Map<string, DaySnapshot[]>> {
  const stored = await storedSnapshots(db);
  const computed = await dailySnapshots(db);
  const days = new Map<string, DaySnapshot[]>();
  for (const key of [...new Set([...computed.keys(), ...stored.keys()])].sort()) {
    const folded = stored.get(key) ?? [];
    const foldedUntil = folded.at(-1)?.day ?? '';
    days.set(key, [...folded, ...(computed.get(key) ?? []).filter((d) => d.day > foldedUntil)]);
  }
  return days;
}

async function storedSnapshots(db: SqlSession): Promise<Map<string, DaySnapshot[]>> {
  const rows = await db.all<{ day: string; suite: string; architecture: string; verdict: string; packages: number }>(
    'SELECT day, suite, architecture, verdict, packages FROM verdict_days ORDER BY suite, architecture, day',
  );
  const days = new Map<string, Array<{ day: string; byVerdict: Record<string, number> }>>();
  for (const row of rows) {
    const series = days.get(suiteArchKey(row)) ?? [];
    if (series.at(-1)?.day !== row.day) series.push({ day: row.day, byVerdict: {} });
    series.at(-1)!.byVerdict[row.verdict] = Number(row.packages);
    days.set(suiteArchKey(row), series);
  }
  return days;
}
