/** Verdict counts per suite/arch, now and as daily snapshots, from the history in one pass. */
import type { HistoryRow } from './data.js';

export interface SuiteArch {
  readonly suite: string;
  readonly architecture: string;
}

export interface VerdictCounts extends SuiteArch {
  readonly total: number;
  readonly byVerdict: Record<string, number>;
  /** Each package's latest verdict. */
  readonly latest: ReadonlyMap<string, HistoryRow>;
}

export interface DaySnapshot {
  readonly day: string;
  /** Packages per verdict as of the end of that day (each package counted once, by its latest verdict). */
  readonly byVerdict: Record<string, number>;
}

const keyOf = (r: SuiteArch) => `${r.suite}/${r.architecture}`;

/** The verdict history per suite/arch as daily snapshots, and today's counts (the last snapshot). */
export function verdictHistory(history: readonly HistoryRow[]): { current: VerdictCounts[]; days: Map<string, DaySnapshot[]> } {
  const latest = new Map<string, Map<string, HistoryRow>>();
  const counts = new Map<string, Record<string, number>>();
  const days = new Map<string, DaySnapshot[]>();
  for (const row of history) {
    const key = keyOf(row);
    let packages = latest.get(key);
    if (!packages) {
      latest.set(key, (packages = new Map()));
      counts.set(key, {});
      days.set(key, []);
    }
    const byVerdict = counts.get(key)!;
    const before = packages.get(row.name);
    if (before !== undefined) byVerdict[before.verdict]! -= 1;
    byVerdict[row.verdict] = (byVerdict[row.verdict] ?? 0) + 1;
    packages.set(row.name, row);
    const series = days.get(key)!;
    const day = row.buildDate.slice(0, 10);
    if (series.at(-1)?.day === day) series[series.length - 1] = { day, byVerdict: { ...byVerdict } };
    else series.push({ day, byVerdict: { ...byVerdict } });
  }
  const current = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([key, byVerdict]) => {
    const [suite, architecture] = key.split('/') as [string, string];
    return { suite, architecture, byVerdict, total: Object.values(byVerdict).reduce((a, b) => a + b, 0), latest: latest.get(key)! };
  });
  return { current, days };
}

