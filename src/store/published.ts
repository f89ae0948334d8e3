/**
 * The rows the published files are made of (export json): each package's latest verdict
 * per suite and architecture, read a page at a time in the order of the results table's
 * key, so that an export of 280,000 rows holds one page in memory, not all of them.
 */
import { type SqlSession, placeholders } from './session.js';
import type { Verdict } from './records.js';
import type { DebVersusArchive } from '../archive/versus-archive.js';

export interface PublishedResult {
  readonly name: string;
  readonly version: string;
  readonly suite: string;
  readonly architecture: string;
  readonly verdict: Verdict;
  readonly buildDate: string;
  /** Build 1's .debs against the archive's; undefined: not compared. */
  readonly versusArchive?: readonly DebVersusArchive[];
}

export interface ResultsPageQuery {
  readonly verdicts: readonly Verdict[];
  /** Only this suite (the tracker file's). */
  readonly suite?: string;
  /** The last row of the previous page; undefined: the first page. */
  readonly after?: Pick<PublishedResult, 'name' | 'suite' | 'architecture'>;
  readonly limit: number;
}

/** One page of results, ordered by package, suite and architecture (the primary key's order: an index walk, not a sort). */
export async function publishedResultsPage(db: SqlSession, query: ResultsPageQuery): Promise<PublishedResult[]> {
  if (query.verdicts.length === 0) return [];
  const after = query.after ?? { name: '', suite: '', architecture: '' };
  const suiteClause = query.suite === undefined ? '' : ' AND suite = ?';
  const rows = await db.all<{
    name: string;
    version: string;
    suite: string;
    architecture: string;
    verdict: Verdict;
    build_date: string;
    versus_archive: string | null;
  }>(
    `SELECT name, version, suite, architecture, verdict, build_date, versus_archive FROM results
      WHERE (name, suite, architecture) > (?, ?, ?) AND verdict IN (${placeholders(query.verdicts)})${suiteClause}
      ORDER BY name, suite, architecture LIMIT ?`,
    [after.name, after.suite, after.architecture, ...query.verdicts, ...(query.suite === undefined ? [] : [query.suite]), query.limit],
  );
  return rows.map((r) => ({
    name: r.name,
    version: r.version,
    suite: r.suite,
    architecture: r.architecture,
    verdict: r.verdict,
    buildDate: r.build_date,
    ...(r.versus_archive !== null && { versusArchive: JSON.parse(r.versus_archive) as DebVersusArchive[] }),
  }));
}
