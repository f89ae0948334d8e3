/**
 * export json: reproducible.json (every package's latest verdict per suite and
 * architecture) and reproducible-tracker.json (the tracker suite's packages, one entry
 * each), each with its .bz2, in the original's format (README.md, "Published files").
 * Rows are read a page at a time and written as they come, so memory stays bounded by a
 * page whatever the archive's size. Each file is published whole (durable/publish.ts):
 * a reader sees the previous export or this one. The .bz2 is made from the file just
 * published, as the original does, so both always hold the same data. FTBFS verdicts
 * that the notes blame on the test infrastructure are left out (notes/applies.ts).
 */
import path from 'node:path';
import { archiveCounts } from '../archive/versus-archive.js';
import type { Store } from '../store/store.js';
import { type PublishedResult, publishedResultsPage } from '../store/published.js';
import { openPublication, publishBzip2, removeDeadTemps } from '../durable/publish.js';
import { JsonListWriter } from './python-json.js';
import { PUBLISHED_STATUS, PUBLISHED_VERDICTS } from './status.js';
import { type PublishedRow, type TrackerEntry, trackerEntry } from './tracker.js';
import type { SqlSession } from '../store/session.js';
import { notesWithIssues } from '../store/notes.js';
import type { PackageNote } from '../notes/notes-file.js';
import { INFRASTRUCTURE_ISSUES, isInfrastructureFailure } from '../notes/applies.js';

export const REPRODUCIBLE_JSON = 'reproducible.json';
export const TRACKER_JSON = 'reproducible-tracker.json';
export const BZIP2_SUFFIX = '.bz2';
export const PUBLISHED_FILES = [REPRODUCIBLE_JSON, `${REPRODUCIBLE_JSON}${BZIP2_SUFFIX}`, TRACKER_JSON, `${TRACKER_JSON}${BZIP2_SUFFIX}`] as const;

/** Rows read at once: a few MB of JSON. */
const PAGE_ROWS = 5000;

export interface ExportOptions {
  readonly outDir: string;
  readonly trackerSuite: string;
  readonly compressTimeoutMs: number;
  /** Called after each page, for progress on stderr. */
  readonly progress?: (file: string, rows: number) => void;
}

export interface ExportSummary {
  readonly outDir: string;
  readonly files: readonly string[];
  /** Rows of reproducible.json. */
  readonly rows: number;
  /** Packages of reproducible-tracker.json. */
  readonly trackerPackages: number;
  readonly trackerSuite: string;
}

/** The original's build_date: UTC, to the minute ("2026-12-04 01:02"). */
export function publishedDate(iso: string): string {
  return new Date(iso).toISOString().slice(0, 16).replace('T', ' ');
}

function publishedRow(r: PublishedResult): PublishedRow {
  return {
    package: r.name,
    version: r.version,
    suite: r.suite,
    architecture: r.architecture,
    status: PUBLISHED_STATUS[r.verdict]!, // only verdicts with a published word are read
    build_date: publishedDate(r.buildDate),
    ...(r.versusArchive && { versus_archive: archiveCounts(r.versusArchive) }),
  };
}

/**
 * Every published row (of one suite, if given) in key order, a page at a time; an FTBFS
 * that the notes blame on the test infrastructure is left out, as the original does.
 */
async function* publishedRows(db: SqlSession, infrastructure: ReadonlyMap<string, PackageNote>, suite?: string): AsyncGenerator<PublishedRow[]> {
  let after: PublishedResult | undefined;
  for (;;) {
    const page = await publishedResultsPage(db, { verdicts: PUBLISHED_VERDICTS, suite, after, limit: PAGE_ROWS });
    if (page.length === 0) return;
    yield page.filter((r) => !isInfrastructureFailure(r.verdict, r.version, infrastructure.get(r.name))).map(publishedRow);
    after = page[page.length - 1];
  }
}

/** Writes a JSON list into target from pages of items, then its .bz2. */
async function publishList(target: string, pages: AsyncIterable<readonly unknown[]>, options: ExportOptions): Promise<number> {
  const publication = await openPublication(target);
  const list = new JsonListWriter(publication);
  try {
    for await (const items of pages) {
      for (const item of items) list.add(item);
      await list.flush();
      options.progress?.(path.basename(target), list.items);
    }
    await list.end();
  } catch (error) {
    await publication.abort();
    throw error;
  }
  await publication.commit();
  await publishBzip2(target, `${target}${BZIP2_SUFFIX}`, options.compressTimeoutMs);
  return list.items;
}

/** The tracker suite's rows grouped by package (a package's rows may span two pages), one entry each. */
async function* trackerEntries(db: SqlSession, infrastructure: ReadonlyMap<string, PackageNote>, suite: string): AsyncGenerator<TrackerEntry[]> {
  let pending: PublishedRow[] = [];
  for await (const rows of publishedRows(db, infrastructure, suite)) {
    const entries = [];
    for (const row of rows) {
      if (pending.length > 0 && pending[0]!.package !== row.package) {
        entries.push(trackerEntry(pending));
        pending = [];
      }
      pending.push(row);
    }
    yield entries;
  }
  if (pending.length > 0) yield [trackerEntry(pending)];
}

export async function exportJson(store: Store, options: ExportOptions): Promise<ExportSummary> {
  removeDeadTemps(options.outDir);
  return store.read(async (db) => {
    const json = path.join(options.outDir, REPRODUCIBLE_JSON);
    const tracker = path.join(options.outDir, TRACKER_JSON);
    const infrastructure = await notesWithIssues(db, INFRASTRUCTURE_ISSUES);
    const rows = await publishList(json, publishedRows(db, infrastructure), options);
    const trackerPackages = await publishList(tracker, trackerEntries(db, infrastructure, options.trackerSuite), options);
    return {
      outDir: options.outDir,
      files: PUBLISHED_FILES.map((name) => path.join(options.outDir, name)),
      rows,
      trackerPackages,
      trackerSuite: options.trackerSuite,
    };
  });
}
