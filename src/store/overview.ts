/**
 * What the dashboard counts, counted by the database: each suite/arch's catalogue and its
 * packages' latest verdicts (results: one row per package, suite and architecture),
 * build durations per node from each node's latest builds, and which nodes ever built.
 * None of these reads the whole history: their cost grows with the catalogue, or with
 * what is shown.
 */
import { type DebVersusArchive, matchesArchive } from '../archive/versus-archive.js';
import { type SqlSession, inChunks, placeholders } from './session.js';
import { suiteArchKey } from './verdict-days.js';
import { BUILD_NUMBERS } from '../spool/build-status.js';
import { BUILD_STAGES, type StageSeconds } from '../builder/stages.js';
import { STAGE_COLUMNS, stageSecondsOfRow } from './records.js';

export interface VerdictCount {
  readonly suite: string;
  readonly architecture: string;
  readonly verdict: string;
  /** Packages whose latest verdict this is. */
  readonly packages: number;
  /** Of those, the packages the suite/arch's imported Sources index lists now. */
  readonly listed: number;
}

/** Source packages in each suite/arch's imported Sources index, by "suite/arch". */
export async function catalogueSizes(db: SqlSession): Promise<Map<string, number>> {
  const rows = await db.all<{ suite: string; architecture: string; n: number }>(
    'SELECT suite, architecture, CAST(count(*) AS INTEGER) AS n FROM sources GROUP BY suite, architecture',
  );
  return new Map(rows.map((r) => [suiteArchKey(r), Number(r.n)]));
}

export async function latestVerdictCounts(db: SqlSession): Promise<VerdictCount[]> {
  const rows = await db.all<VerdictCount>(
    `SELECT r.suite, r.architecture, r.verdict, CAST(count(*) AS INTEGER) AS packages, CAST(count(s.name) AS INTEGER) AS listed
       FROM results r LEFT JOIN sources s ON s.name = r.name AND s.suite = r.suite AND s.architecture = r.architecture
      GROUP BY r.suite, r.architecture, r.verdict`,
  );
  return rows.map((r) => ({ ...r, packages: Number(r.packages), listed: Number(r.listed) }));
}

/** Per "suite/arch": packages whose latest check compared build 1 with the archive, and those of them whose .debs all matched. */
export async function versusArchiveCounts(db: SqlSession): Promise<Map<string, { readonly compared: number; readonly matching: number }>> {
  const rows = await db.all<{ suite: string; architecture: string; versus_archive: string }>(
    'SELECT suite, architecture, versus_archive FROM results WHERE versus_archive IS NOT NULL',
  );
  const counts = new Map<string, { compared: number; matching: number }>();
  for (const row of rows) {
    const count = counts.get(suiteArchKey(row)) ?? { compared: 0, matching: 0 };
    count.compared++;
    if (matchesArchive(JSON.parse(row.versus_archive) as DebVersusArchive[])) count.matching++;
    counts.set(suiteArchKey(row), count);
  }
  return counts;
}

export interface LatestVerdict {
  readonly name: string;
  readonly version: string;
  readonly verdict: string;
  readonly buildDate: string;
}

/** Each package's latest verdict in one suite/arch. */
export async function latestVerdicts(db: SqlSession, suite: string, architecture: string): Promise<LatestVerdict[]> {
  const rows = await db.all<{ name: string; version: string; verdict: string; build_date: string }>(
    'SELECT name, version, verdict, build_date FROM results WHERE suite = ? AND architecture = ?',
    [suite, architecture],
  );
  return rows.map((r) => ({ name: r.name, version: r.version, verdict: r.verdict, buildDate: r.build_date }));
}

/** Every node that ever built something: one index step per node (the index on builds starts with node), not a scan of the builds. */
export async function buildNodes(db: SqlSession): Promise<string[]> {
  const rows = await db.all<{ node: string }>(
    `WITH RECURSIVE nodes(node) AS (
       SELECT * FROM (SELECT node FROM builds ORDER BY node LIMIT 1) AS first
       UNION ALL
       SELECT (SELECT node FROM builds WHERE node > nodes.node ORDER BY node LIMIT 1) FROM nodes WHERE nodes.node IS NOT NULL)
     SELECT node FROM nodes WHERE node IS NOT NULL`,
  );
  return rows.map((r) => r.node);
}

export interface Durations {
  readonly node: string;
  readonly buildNumber: number;
  /** Builds the figures are of: the node's latest that built, at most the sample size. */
  readonly count: number;
  readonly medianSeconds: number;
  readonly p95Seconds: number;
  /** The median of each stage, over the builds that recorded it. */
  readonly stageMedians: StageSeconds;
}

/**
 * Median and 95th percentile (nearest rank) of the durations of each node's latest
 * `sample` builds that built, per build number. Only builds that built say how long a
 * package takes: a depwait, an unfetchable source or a checksum mismatch ends in
 * seconds, a timeout at the limit. The latest, so that a node's figures follow its
 * hardware and load as they are now, at a cost that does not grow with the history.
 */
export async function buildDurations(db: SqlSession, nodes: readonly string[], sample: number): Promise<Durations[]> {
  const found: Durations[] = [];
  for (const node of nodes) {
    for (const buildNumber of BUILD_NUMBERS) {
      const rows = await db.all<{ duration_seconds: number } & Record<(typeof STAGE_COLUMNS)[number], number | null>>(
        `SELECT duration_seconds, ${STAGE_COLUMNS.join(', ')} FROM builds
          WHERE node = ? AND build_number = ? AND status = 'built' ORDER BY started_at DESC LIMIT ?`,
        [node, buildNumber, sample],
      );
      if (rows.length === 0) continue;
      const values = ascending(rows.map((r) => Number(r.duration_seconds)));
      const stages = rows.map(stageSecondsOfRow);
      const stageMedians: StageSeconds = {};
      for (const stage of BUILD_STAGES) {
        const recorded = ascending(stages.map((s) => s?.[stage]).filter((v): v is number => v !== undefined));
        if (recorded.length > 0) stageMedians[stage] = nearestRank(recorded, 0.5);
      }
      found.push({ node, buildNumber, count: values.length, medianSeconds: nearestRank(values, 0.5), p95Seconds: nearestRank(values, 0.95), stageMedians });
    }
  }
  return found;
}

const ascending = (values: number[]) => values.sort((a, b) => a - b);

/** The q-quantile of values sorted ascending, by nearest rank. */
function nearestRank(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

/** Each package's number of checks in result_history and the date of its latest: what tells whether its page changed. */
export async function checksPerPackage(db: SqlSession): Promise<Map<string, { checks: number; latest: string }>> {
  const rows = await db.all<{ name: string; checks: number; latest: string }>(
    'SELECT name, CAST(count(*) AS INTEGER) AS checks, max(build_date) AS latest FROM result_history GROUP BY name',
  );
  return new Map(rows.map((r) => [r.name, { checks: Number(r.checks), latest: r.latest }]));
}

export interface LatestOfPackage {
  readonly version: string;
  readonly verdict: string;
  readonly buildDate: string;
}

/** The latest verdict of each named package in each suite/arch, by "suite/arch/name" (the results' primary key starts with the name). */
export async function latestOfPackages(db: SqlSession, names: readonly string[]): Promise<Map<string, LatestOfPackage>> {
  const latest = new Map<string, LatestOfPackage>();
  for (const chunk of inChunks([...new Set(names)])) {
    const rows = await db.all<{ name: string; suite: string; architecture: string; version: string; verdict: string; build_date: string }>(
      `SELECT name, suite, architecture, version, verdict, build_date FROM results WHERE name IN (${placeholders(chunk)})`,
      chunk,
    );
    for (const r of rows) latest.set(`${r.suite}/${r.architecture}/${r.name}`, { version: r.version, verdict: r.verdict, buildDate: r.build_date });
  }
  return latest;
}

export interface OldestResult {
  readonly suite: string;
  readonly architecture: string;
  /** The oldest of the packages' latest verdicts: how far behind re-testing is. */
  readonly buildDate: string;
}

export async function oldestResults(db: SqlSession): Promise<OldestResult[]> {
  const rows = await db.all<{ suite: string; architecture: string; oldest: string }>(
    'SELECT suite, architecture, min(build_date) AS oldest FROM results GROUP BY suite, architecture ORDER BY suite, architecture',
  );
  return rows.map((r) => ({ suite: r.suite, architecture: r.architecture, buildDate: r.oldest }));
}

export interface ChecksPerDay {
  readonly day: string;
  readonly suite: string;
  readonly architecture: string;
  readonly checks: number;
}

/** Checks recorded per day in each suite/arch since the given day (YYYY-MM-DD), read through the history's (suite, architecture, build_date) index. */
export async function checksPerDay(db: SqlSession, suiteArchs: readonly { suite: string; architecture: string }[], sinceDay: string): Promise<ChecksPerDay[]> {
  const perDay: ChecksPerDay[] = [];
  for (const { suite, architecture } of suiteArchs) {
    const rows = await db.all<{ day: string; n: number }>(
      `SELECT substr(build_date, 1, 10) AS day, CAST(count(*) AS INTEGER) AS n FROM result_history
        WHERE suite = ? AND architecture = ? AND build_date >= ? GROUP BY substr(build_date, 1, 10) ORDER BY day`,
      [suite, architecture, sinceDay],
    );
    perDay.push(...rows.map((r) => ({ day: r.day, suite, architecture, checks: Number(r.n) })));
  }
  return perDay;
}
