/** Verdict counts per suite/arch, now and as daily snapshots, from the history in one pass. */
import { type DaySnapshot, dailySnapshots, suiteArchKey as keyOf } from '../store/verdict-days.js';
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

/**
 * The verdict history per suite/arch as daily snapshots, and today's counts (the last
 * snapshot). Days folded out of result_history (db fold) come from their stored
 * snapshots; the rows left for them (each package's latest) only carry the counts on.
 */
export function verdictHistory(
  history: readonly HistoryRow[],
  folded: ReadonlyMap<string, readonly DaySnapshot[]> = new Map(),
): { current: VerdictCounts[]; days: Map<string, DaySnapshot[]> } {
  const { latest, counts, days: computed } = dailySnapshots(history);
  const days = new Map<string, DaySnapshot[]>();
  for (const key of new Set([...computed.keys(), ...folded.keys()])) {
    const stored = folded.get(key) ?? [];
    const foldedUntil = stored.at(-1)?.day ?? '';
    days.set(key, [...stored, ...(computed.get(key) ?? []).filter((d) => d.day > foldedUntil)]);
  }
  const current = [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, byVerdict]) => {
      const [suite, architecture] = key.split('/') as [string, string];
      return { suite, architecture, byVerdict, total: Object.values(byVerdict).reduce((a, b) => a + b, 0), latest: latest.get(key)! };
    });
  return { current, days };
}

/** One suite/arch on the front page: what the archive holds, and where each part of it is. */
export interface SuiteOverview extends SuiteArch {
  /** Source packages in the imported Sources index; undefined when none was imported. */
  readonly catalogue?: number;
  /** Packages with a verdict (of the catalogue's, when there is one). */
  readonly tested: number;
  /** Catalogue packages never tested. */
  readonly untested?: number;
  /** Tested packages that the catalogue no longer lists (removed from the archive). */
  readonly removed: number;
  /** Latest verdicts of the tested packages counted above. */
  readonly byVerdict: Record<string, number>;
  /** main's spool now: waiting, shipped to a node, given up. */
  readonly scheduled: number;
  readonly building: number;
  readonly failed: number;
  /** What percentages are of: the catalogue, else the tested packages. */
  readonly whole: number;
}

export interface SpoolPlace extends SuiteArch {
  readonly state: string;
}

/** Today's verdict counts set against the whole catalogue and main's spool, one row per suite/arch any of them knows. */
export function suiteOverview(
  current: readonly VerdictCounts[],
  catalogue: ReadonlyMap<string, ReadonlyMap<string, unknown>>,
  spool: Iterable<SpoolPlace>,
): SuiteOverview[] {
  const inSpool = new Map<string, { scheduled: number; building: number; failed: number }>();
  for (const e of spool) {
    const counts = inSpool.get(keyOf(e)) ?? { scheduled: 0, building: 0, failed: 0 };
    if (e.state === 'scheduled') counts.scheduled++;
    else if (e.state === 'failed') counts.failed++;
    else counts.building++; // a node's directory (shipped), or pending
    inSpool.set(keyOf(e), counts);
  }
  const verdicts = new Map(current.map((c) => [keyOf(c), c]));
  const keys = [...new Set([...verdicts.keys(), ...catalogue.keys(), ...inSpool.keys()])].sort();
  return keys.map((key) => {
    const [suite, architecture] = key.split('/') as [string, string];
    const listed = catalogue.get(key);
    const byVerdict: Record<string, number> = {};
    let tested = 0;
    let removed = 0;
    for (const [name, row] of verdicts.get(key)?.latest ?? []) {
      if (listed && !listed.has(name)) {
        removed++;
        continue;
      }
      tested++;
      byVerdict[row.verdict] = (byVerdict[row.verdict] ?? 0) + 1;
    }
    const spoolCounts = inSpool.get(key) ?? { scheduled: 0, building: 0, failed: 0 };
    return {
      suite,
      architecture,
      catalogue: listed?.size,
      tested,
      untested: listed && listed.size - tested,
      removed,
      byVerdict,
      ...spoolCounts,
      whole: listed?.size ?? tested,
    };
  });
}
