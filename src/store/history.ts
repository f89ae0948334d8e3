/** A package's verdicts, newest first, each with its single builds: what `show` answers "what happened to it" with. */
import type { SqlSession } from './session.js';

export interface PastBuild {
  readonly buildNumber: number;
  readonly node: string;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly exitCode: number | null;
  readonly status: string;
}

export interface PastVerdict {
  readonly name: string;
  readonly version: string;
  readonly suite: string;
  readonly architecture: string;
  readonly verdict: string;
  readonly detail: string | null;
  readonly buildDate: string;
  readonly builds: PastBuild[];
}

/** A row of result_history, as SELECT * gives it. */
export interface ResultHistoryRow {
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
}

export interface HistoryFilter {
  readonly name: string;
  readonly version?: string;
  readonly suite?: string;
  readonly architecture?: string;
}

export async function verdictHistory(db: SqlSession, filter: HistoryFilter): Promise<PastVerdict[]> {
  const where = ['name = ?'];
  const params: string[] = [filter.name];
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
  const checks = await db.all<ResultHistoryRow>(
    `SELECT journal_id, name, version, suite, architecture, verdict, node1, node2, detail, build_date FROM result_history WHERE ` +
      `${where.join(' AND ')} ORDER BY build_date DESC`,
    params,
  );
  const verdicts: PastVerdict[] = [];
  for (const c of checks) {
    const builds = await db.all<{ build_number: number; node: string; started_at: string; duration_seconds: number; exit_code: number | null; status: string }>(
      'SELECT build_number, node, started_at, duration_seconds, exit_code, status FROM builds WHERE journal_id = ? ORDER BY build_number',
      [c.journal_id],
    );
    verdicts.push({
      name: c.name,
      version: c.version,
      suite: c.suite,
      architecture: c.architecture,
      verdict: c.verdict,
      detail: c.detail,
      buildDate: c.build_date,
      builds: builds.map((b) => ({
        buildNumber: b.build_number,
        node: b.node,
        startedAt: b.started_at,
        durationSeconds: b.duration_seconds,
        exitCode: b.exit_code,
        status: b.status,
      })),
    });
  }
  return verdicts;
}
