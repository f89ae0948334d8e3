/**
 * The catalogue of sources per suite and architecture (the seed's "determine what to
 * build"), loaded from a Sources index. Importing the same index twice changes nothing;
 * a package gone from the index leaves the catalogue.
 */
import { type SourceRecord, buildsOn } from '../debian/sources-index.js';
import { compareVersions } from '../debian/version.js';
import { type SqlSession, inChunks, placeholders } from './session.js';
import type { Store } from './store.js';

export interface ImportReport {
  readonly suite: string;
  readonly architecture: string;
  readonly added: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly removed: number;
  /** Index stanzas for other architectures only. */
  readonly notForArch: number;
}

interface CatalogueRow {
  name: string;
  version: string;
  dsc_path: string;
  dsc_sha256: string;
}

export async function importSources(store: Store, records: readonly SourceRecord[], suite: string, architecture: string, now: Date): Promise<ImportReport> {
  const newest = new Map<string, SourceRecord>();
  let notForArch = 0;
  for (const record of records) {
    if (!buildsOn(record, architecture)) {
      notForArch++;
      continue;
    }
    const seen = newest.get(record.name);
    if (!seen || compareVersions(record.version, seen.version) > 0) newest.set(record.name, record);
  }
  return store.write(async (db) => {
    const existing = new Map((await catalogue(db, suite, architecture)).map((row) => [row.name, row]));
    let added = 0;
    let updated = 0;
    let unchanged = 0;
    const upsert = `INSERT INTO sources (name, version, suite, architecture, dsc_path, dsc_sha256, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name, suite, architecture) DO UPDATE SET version = excluded.version, dsc_path = excluded.dsc_path,
         dsc_sha256 = excluded.dsc_sha256, imported_at = excluded.imported_at`;
    {
      for (const record of newest.values()) {
        const dscPath = `${record.directory}/${record.dscName}`;
        const row = existing.get(record.name);
        existing.delete(record.name);
        if (row && row.version === record.version && row.dsc_path === dscPath && row.dsc_sha256 === record.dscSha256) {
          unchanged++;
          continue;
        }
        if (row) updated++;
        else added++;
        await db.run(upsert, [record.name, record.version, suite, architecture, dscPath, record.dscSha256, now.toISOString()]);
      }
    }
    for (const gone of existing.keys()) await db.run('DELETE FROM sources WHERE name = ? AND suite = ? AND architecture = ?', [gone, suite, architecture]);
    return { suite, architecture, added, updated, unchanged, removed: existing.size, notForArch };
  });
}

export function catalogue(db: SqlSession, suite: string, architecture: string): Promise<CatalogueRow[]> {
  return db.all<CatalogueRow>('SELECT name, version, dsc_path, dsc_sha256 FROM sources WHERE suite = ? AND architecture = ?', [suite, architecture]);
}

export interface Candidate extends CatalogueRow {
  /** Version and verdict of the last verdict, if any. */
  tested_version: string | null;
  tested_verdict: string | null;
}

/** The catalogue of a suite/arch with each package's last verdict, never tested first. */
export function catalogueWithVerdicts(db: SqlSession, suite: string, architecture: string): Promise<Candidate[]> {
  return db.all<Candidate>(
    `SELECT s.name, s.version, s.dsc_path, s.dsc_sha256, r.version AS tested_version, r.verdict AS tested_verdict
       FROM sources s LEFT JOIN results r ON r.name = s.name AND r.suite = s.suite AND r.architecture = s.architecture
      WHERE s.suite = ? AND s.architecture = ? ORDER BY r.version IS NOT NULL, s.name`,
    [suite, architecture],
  );
}

export interface CataloguedSource {
  readonly name: string;
  readonly suite: string;
  readonly architecture: string;
  readonly version: string;
  /** Relative to the mirror: pool/main/h/hello/hello_2.10-3.dsc. */
  readonly dscPath: string;
}

/** The named packages in every suite/arch's catalogue, by the sources' primary key (it starts with the name). */
export async function sourcesOfPackages(db: SqlSession, names: readonly string[]): Promise<CataloguedSource[]> {
  const found: CataloguedSource[] = [];
  for (const chunk of inChunks(names)) {
    const rows = await db.all<{ name: string; suite: string; architecture: string; version: string; dsc_path: string }>(
      `SELECT name, suite, architecture, version, dsc_path FROM sources WHERE name IN (${placeholders(chunk)}) ORDER BY suite, architecture`,
      chunk,
    );
    found.push(...rows.map((r) => ({ name: r.name, suite: r.suite, architecture: r.architecture, version: r.version, dscPath: r.dsc_path })));
  }
  return found;
}

/** Which packages the catalogue lists, to tell a package gone from it (archive prune, check). */
export interface CatalogueMembership {
  /** Whether suite/arch has a catalogue at all: one never imported (or emptied) says nothing of its packages. */
  covers(suite: string, architecture: string): boolean;
  has(suite: string, architecture: string, name: string): boolean;
  /** A package the catalogue of a covered suite/arch no longer lists. */
  isGone(suite: string, architecture: string, name: string): boolean;
}

export async function catalogueMembership(db: SqlSession): Promise<CatalogueMembership> {
  return membershipOf(await db.all<CatalogueName>('SELECT name, suite, architecture FROM sources'));
}

export interface CatalogueName {
  readonly name: string;
  readonly suite: string;
  readonly architecture: string;
}

export function membershipOf(rows: readonly CatalogueName[]): CatalogueMembership {
  const listed = new Set(rows.map((r) => `${r.suite}/${r.architecture}/${r.name}`));
  const covered = new Set(rows.map((r) => `${r.suite}/${r.architecture}`));
  const covers = (suite: string, architecture: string) => covered.has(`${suite}/${architecture}`);
  const has = (suite: string, architecture: string, name: string) => listed.has(`${suite}/${architecture}/${name}`);
  return { covers, has, isGone: (suite, architecture, name) => covers(suite, architecture) && !has(suite, architecture, name) };
}
