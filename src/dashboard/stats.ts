/** Each suite/arch on the front page: its catalogue, its packages' latest verdicts (as the database counts them) and main's spool. */
import type { VerdictCount } from '../store/overview.js';
import { suiteArchKey as keyOf } from '../store/verdict-days.js';

export interface SuiteArch {
  readonly suite: string;
  readonly architecture: string;
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
  /** Packages whose latest check compared build 1 with the archive, and those whose .debs all were the archive's. */
  readonly versusArchive?: { readonly compared: number; readonly matching: number };
}

export interface SpoolPlace extends SuiteArch {
  readonly state: string;
}

/** The latest verdicts set against the whole catalogue and main's spool, one row per suite/arch any of them knows. */
export function suiteOverview(
  verdicts: readonly VerdictCount[],
  catalogue: ReadonlyMap<string, number>,
  spool: Iterable<SpoolPlace>,
  versusArchive: ReadonlyMap<string, { readonly compared: number; readonly matching: number }> = new Map(),
): SuiteOverview[] {
  const inSpool = new Map<string, { scheduled: number; building: number; failed: number }>();
  for (const e of spool) {
    const counts = inSpool.get(keyOf(e)) ?? { scheduled: 0, building: 0, failed: 0 };
    if (e.state === 'scheduled') counts.scheduled++;
    else if (e.state === 'failed') counts.failed++;
    else counts.building++; // a node's directory (shipped), or pending
    inSpool.set(keyOf(e), counts);
  }
  const keys = [...new Set([...verdicts.map(keyOf), ...catalogue.keys(), ...inSpool.keys()])].sort();
  return keys.map((key) => {
    const [suite, architecture] = key.split('/') as [string, string];
    const listed = catalogue.get(key);
    const byVerdict: Record<string, number> = {};
    let tested = 0;
    let removed = 0;
    for (const count of verdicts) {
      if (keyOf(count) !== key) continue;
      // Without an imported index every tested package counts; with one, those it no longer lists were removed from the archive.
      const counted = listed === undefined ? count.packages : count.listed;
      if (counted > 0) byVerdict[count.verdict] = counted;
      tested += counted;
      removed += count.packages - counted;
    }
    const spoolCounts = inSpool.get(key) ?? { scheduled: 0, building: 0, failed: 0 };
    return {
      suite,
      architecture,
      catalogue: listed,
      tested,
      untested: listed === undefined ? undefined : listed - tested,
      removed,
      byVerdict,
      ...spoolCounts,
      whole: listed ?? tested,
      versusArchive: versusArchive.get(key),
    };
  });
}
