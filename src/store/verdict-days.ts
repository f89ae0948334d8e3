/**
 * The verdict history per suite/arch as daily snapshots: packages per verdict as of the
 * end of each day, each package counted once, by its latest verdict. One definition for
 * the dashboard's chart and for folding old history (fold.ts), which stores the
 * snapshots of the days it folds in verdict_days.
 */
export interface DatedVerdict {
  readonly name: string;
  readonly suite: string;
  readonly architecture: string;
  readonly verdict: string;
  readonly buildDate: string;
}

export interface DaySnapshot {
  readonly day: string;
  /** Packages per verdict as of the end of that day (each package counted once, by its latest verdict). */
  readonly byVerdict: Record<string, number>;
}

export interface Snapshots<R> {
  /** Each package's latest verdict, per "suite/arch". */
  readonly latest: Map<string, Map<string, R>>;
  /** Packages per verdict after the last row, per "suite/arch". */
  readonly counts: Map<string, Record<string, number>>;
  readonly days: Map<string, DaySnapshot[]>;
}

export const suiteArchKey = (r: { readonly suite: string; readonly architecture: string }) => `${r.suite}/${r.architecture}`;

/** Rows in build_date order, oldest first. */
export function dailySnapshots<R extends DatedVerdict>(rows: Iterable<R>): Snapshots<R> {
  const latest = new Map<string, Map<string, R>>();
  const counts = new Map<string, Record<string, number>>();
  const days = new Map<string, DaySnapshot[]>();
  for (const row of rows) {
    const key = suiteArchKey(row);
    let packages = latest.get(key);
    if (!packages) {
      latest.set(key, (packages = new Map<string, R>()));
      counts.set(key, {});
      days.set(key, []);
    }
    const byVerdict = counts.get(key)!;
    const before = packages.get(row.name);
    if (before !== undefined && --byVerdict[before.verdict]! === 0) delete byVerdict[before.verdict]; // no verdict with no package: what verdict_days stores
    byVerdict[row.verdict] = (byVerdict[row.verdict] ?? 0) + 1;
    packages.set(row.name, row);
    const series = days.get(key)!;
    const day = row.buildDate.slice(0, 10);
    if (series.at(-1)?.day === day) series[series.length - 1] = { day, byVerdict: { ...byVerdict } };
    else series.push({ day, byVerdict: { ...byVerdict } });
  }
  return { latest, counts, days };
}
