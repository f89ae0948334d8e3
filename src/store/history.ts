/**
 * Checks as recorded in result_history, each with its single builds: a package's verdicts
 * (what `show` answers "what happened to it" with, and a dashboard package page), and the
 * most recent checks. Each read costs what it returns: the checks by an index (name, or
 * suite/arch and date), their builds by journal id, a bounded number at a time.
 */
import type { DebVersusArchive } from '../archive/versus-archive.js';
import { type SqlSession, type SqlValue, inChunks, placeholders } from './session.js';
import { type RecordedExplanation, STAGE_COLUMNS, stageSecondsOfRow } from './records.js';
import type { StageSeconds } from '../builder/stages.js';

export interface PastBuild {
  readonly buildNumber: number;
  readonly node: string;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly exitCode: number | null;
  readonly status: string;
  readonly stageSeconds?: StageSeconds;
}

export interface PastVerdict {
  readonly journalId: string;
  readonly name: string;
  readonly version: string;
  readonly suite: string;
  readonly architecture: string;
  readonly verdict: string;
  /** Why, beyond the verdict's word: unsatisfiable build dependencies, a failure in build 2 only. */
  readonly detail: string | null;
  readonly node1: string | null;
  readonly node2: string | null;
  readonly buildDate: string;
  /** Why it was checked (the entry's Category, Reason, Requester); null for checks recorded before schema 6. */
  readonly category: string | null;
  readonly reason: string | null;
  readonly requester: string | null;
  /** The variations build 2 did not vary; empty: every one (and every check recorded before schema 8). */
  readonly notVaried: string[];
  /** What an explanation found (explain); null for a check. */
  readonly explanation: RecordedExplanation | null;
  /** Build 1's .debs against the archive's; null: not compared (and every check recorded before schema 9). */
  readonly versusArchive: DebVersusArchive[] | null;
  readonly builds: PastBuild[];
}

export interface HistoryFilter {
  readonly name: string;
  readonly version?: string;
  readonly suite?: string;
  readonly architecture?: string;
}

const CHECK_COLUMNS =
  'journal_id, name, version, suite, architecture, verdict, node1, node2, detail, build_date, category, reason, requester, not_varied, explanation, ' +
  'versus_archive';

interface CheckRow {
  readonly journal_id: string;
  readonly name: string;
  readonly version: string;
  readonly suite: string;
  readonly architecture: string;
  readonly verdict: string;
  readonly node1: string | null;
  readonly node2: string | null;
  readonly build_date: string;
  readonly detail: string | null;
  readonly category: string | null;
  readonly reason: string | null;
  readonly requester: string | null;
  readonly not_varied: string | null;
  readonly explanation: string | null;
  readonly versus_archive: string | null;
}

/** The checks with their single builds, in the order given. */
async function withBuilds(db: SqlSession, checks: readonly CheckRow[]): Promise<PastVerdict[]> {
  const builds = new Map<string, PastBuild[]>();
  for (const ids of inChunks(checks.map((c) => c.journal_id))) {
    const rows = await db.all<
      {
        journal_id: string;
        build_number: number;
        node: string;
        started_at: string;
        duration_seconds: number;
        exit_code: number | null;
        status: string;
      } & Record<(typeof STAGE_COLUMNS)[number], number | null>
    >(
      `SELECT journal_id, build_number, node, started_at, duration_seconds, exit_code, status, ${STAGE_COLUMNS.join(', ')} FROM builds
        WHERE journal_id IN (${placeholders(ids)}) ORDER BY journal_id, build_number`,
      ids,
    );
    for (const b of rows) {
      const list = builds.get(b.journal_id) ?? [];
      list.push({
        buildNumber: b.build_number,
        node: b.node,
        startedAt: b.started_at,
        durationSeconds: b.duration_seconds,
        exitCode: b.exit_code,
        status: b.status,
        stageSeconds: stageSecondsOfRow(b),
      });
      builds.set(b.journal_id, list);
    }
  }
  return checks.map((c) => ({
    journalId: c.journal_id,
    name: c.name,
    version: c.version,
    suite: c.suite,
    architecture: c.architecture,
    verdict: c.verdict,
    detail: c.detail,
    node1: c.node1,
    node2: c.node2,
    buildDate: c.build_date,
    category: c.category,
    reason: c.reason,
    requester: c.requester,
    notVaried: c.not_varied ? c.not_varied.split(', ') : [],
    explanation: c.explanation ? (JSON.parse(c.explanation) as RecordedExplanation) : null,
    versusArchive: c.versus_archive ? (JSON.parse(c.versus_archive) as DebVersusArchive[]) : null,
    builds: builds.get(c.journal_id) ?? [],
  }));
}

/** A package's verdicts, newest first, narrowed by version, suite and architecture when given. */
export async function verdictHistory(db: SqlSession, filter: HistoryFilter): Promise<PastVerdict[]> {
  const where = ['name = ?'];
  const params: SqlValue[] = [filter.name];
  for (const [column, value] of [
    ['version', filter.version],
    ['suite', filter.suite],
    ['architecture', filter.architecture],
  ] as const) {
    if (value !== undefined) {
      where.push(`${column} = ?`);
      params.push(value);
    }
  }
  const checks = await db.all<CheckRow>(
    `SELECT ${CHECK_COLUMNS} FROM result_history WHERE ${where.join(' AND ')} ORDER BY build_date DESC, journal_id DESC`,
    params,
  );
  return withBuilds(db, checks);
}

/** Every check of each named package, oldest first, by package name. */
export async function checksOfPackages(db: SqlSession, names: readonly string[]): Promise<Map<string, PastVerdict[]>> {
  const byName = new Map<string, PastVerdict[]>(names.map((name) => [name, []]));
  for (const chunk of inChunks(names)) {
    const checks = await db.all<CheckRow>(
      `SELECT ${CHECK_COLUMNS} FROM result_history WHERE name IN (${placeholders(chunk)}) ORDER BY build_date, journal_id`,
      chunk,
    );
    for (const check of await withBuilds(db, checks)) byName.get(check.name)!.push(check);
  }
  return byName;
}

/**
 * The `limit` most recent checks of the given suite/archs, newest first: the newest of
 * each suite/arch by its (suite, architecture, build_date) index, then merged here.
 */
export async function recentChecks(db: SqlSession, suiteArchs: readonly { suite: string; architecture: string }[], limit: number): Promise<PastVerdict[]> {
  const candidates: CheckRow[] = [];
  for (const { suite, architecture } of suiteArchs) {
    candidates.push(
      ...(await db.all<CheckRow>(
        `SELECT ${CHECK_COLUMNS} FROM result_history WHERE suite = ? AND architecture = ? ORDER BY build_date DESC, journal_id DESC LIMIT ?`,
        [suite, architecture, limit],
      )),
    );
  }
  const newest = candidates
    .sort((a, b) => (a.build_date === b.build_date ? (a.journal_id < b.journal_id ? 1 : -1) : a.build_date < b.build_date ? 1 : -1))
    .slice(0, limit);
  return withBuilds(db, newest);
}
