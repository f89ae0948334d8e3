/**
 * The scheduler's questions to reproducible.db, one query per category, each answered
 * by the database from `sources` (the catalogue) and `results` (each package's latest
 * verdict), never from the history: their cost grows with the catalogue, not with the
 * years of checks. Aged categories are read oldest verdict first, a page at a time, so a
 * run that needs 40 FTBFS retries reads about 40 rows, not every FTBFS of the suite.
 */
import { compareVersions } from '../debian/version.js';
import type { SqlSession, SqlValue } from '../store/session.js';

export interface CandidateRow {
  readonly name: string;
  /** The catalogue's version: what would be built. */
  readonly version: string;
  readonly dsc_path: string;
  readonly dsc_sha256: string;
  /** The latest verdict, when the package was ever tested. */
  readonly tested_version: string | null;
  readonly tested_verdict: string | null;
  readonly build_date: string | null;
}

const COLUMNS = `s.name, s.version, s.dsc_path, s.dsc_sha256, r.version AS tested_version, r.verdict AS tested_verdict, r.build_date`;
const JOINED = `sources s JOIN results r ON r.name = s.name AND r.suite = s.suite AND r.architecture = s.architecture`;

/** Catalogue packages never tested in suite/arch (their order is the caller's: seeded-order.ts). */
export function untestedCandidates(db: SqlSession, suite: string, architecture: string): Promise<CandidateRow[]> {
  return db.all<CandidateRow>(
    `SELECT ${COLUMNS} FROM sources s LEFT JOIN results r ON r.name = s.name AND r.suite = s.suite AND r.architecture = s.architecture
      WHERE s.suite = ? AND s.architecture = ? AND r.name IS NULL`,
    [suite, architecture],
  );
}

/** Whether the catalogue holds a newer version than the one last tested (dpkg's order, which SQL cannot compare). */
export function isNewerThanTested(row: CandidateRow): boolean {
  return row.tested_version !== null && compareVersions(row.version, row.tested_version) > 0;
}

/**
 * Tested packages whose catalogue version is newer than the tested one, oldest verdict
 * first. SQL finds the rows whose versions differ (a handful after each upload); dpkg's
 * order then keeps only the newer ones, so a catalogue that lags behind (an older
 * version than the one tested) is not scheduled again and again.
 */
export async function newVersionCandidates(db: SqlSession, suite: string, architecture: string): Promise<CandidateRow[]> {
  const rows = await db.all<CandidateRow>(
    `SELECT ${COLUMNS} FROM ${JOINED} WHERE s.suite = ? AND s.architecture = ? AND s.version <> r.version ORDER BY r.build_date, s.name`,
    [suite, architecture],
  );
  return rows.filter(isNewerThanTested);
}

export interface AgedFilter {
  /** Only this latest verdict; undefined: any. */
  readonly verdict?: string;
  /** Verdicts given before this instant (RFC 3339). */
  readonly builtBefore?: string;
  readonly builtAfter?: string;
}

/**
 * Tested packages matching the filter, oldest verdict first, as pages of pageSize rows
 * read from one snapshot (the caller's read transaction). The caller stops reading once
 * it has what it needs.
 */
export async function* agedCandidates(db: SqlSession, suite: string, architecture: string, filter: AgedFilter, pageSize: number): AsyncGenerator<CandidateRow> {
  const conditions = ['s.suite = ?', 's.architecture = ?'];
  const params: SqlValue[] = [suite, architecture];
  const add = (condition: string, value: string | undefined) => {
    if (value === undefined) return;
    conditions.push(condition);
    params.push(value);
  };
  add('r.verdict = ?', filter.verdict);
  add('r.build_date < ?', filter.builtBefore);
  add('r.build_date > ?', filter.builtAfter);
  for (let offset = 0; ; offset += pageSize) {
    const page = await db.all<CandidateRow>(
      `SELECT ${COLUMNS} FROM ${JOINED} WHERE ${conditions.join(' AND ')} ORDER BY r.build_date, s.name LIMIT ? OFFSET ?`,
      [...params, pageSize, offset],
    );
    yield* page;
    if (page.length < pageSize) return;
  }
}

/** Manual requests made by requester since the instant given (RFC 3339), from the schedule history. */
export async function manualRequestsSince(db: SqlSession, requester: string, since: string): Promise<number> {
  const [row] = await db.all<{ n: number }>(
    `SELECT CAST(count(*) AS INTEGER) AS n FROM schedule_history WHERE requester = ? AND category = 'manual' AND scheduled_at > ?`,
    [requester, since],
  );
  return Number(row?.n ?? 0);
}
