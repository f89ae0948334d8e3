/**
 * Does our build match the archive? Each .deb of build 1 (the build under the archive's
 * own conditions: it varies nothing) against the archive's .deb of the same name in the
 * suite's Packages index on main's mirror:
 *
 *   identical  its sha256 is the index's (nothing downloaded)
 *   differs    it is not: the archive's .deb is downloaded (checked against the index's
 *              sha256 and size), diffoscope compares the two under the check's timeout and
 *              caps, the report is kept in the check's versus-archive/ and the download removed
 *              (for the first MAX_ARCHIVE_REPORTS of them)
 *   absent     the index has no .deb of that name: another version (a binNMU's VERSION+bN, said as
 *              archiveVersion), another component, or never built there (a -dbgsym is in debian-debug)
 *
 * This answers rebuilderd's question with the current suite's build dependencies, not the
 * .buildinfo's exact versions, so `differs` may be the dependencies' doing. The index is
 * cached in $ROOT/cache/packages/ for packagesIndexMaxAgeSeconds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type DiffoscopeOutcome, type DiffoscopeSettings, diffoscope } from '../builder/diffoscope.js';
import { isPackageFile } from '../builder/compare.js';
import { type ArchiveDeb, parsePackagesIndex } from '../debian/packages-index.js';
import { errnoCode } from '../errors.js';
import { type DownloadOptions, download } from '../fetch/download.js';
import { ensureDirInside, writeFileAtomic } from '../durable/atomic.js';
import { type IndexTrust, fetchPackagesIndex } from '../schedule/index-fetch.js';
import type { Spool } from '../spool/spool.js';
import type { Hashes } from '../trust/link.js';

export const ARCHIVE_OUTCOMES = ['identical', 'differs', 'absent'] as const;
export type ArchiveOutcome = (typeof ARCHIVE_OUTCOMES)[number];

/** What became of the report of a .deb that differs: diffoscope's outcome, or why the archive's .deb was not compared. */
export const ARCHIVE_REPORT_OUTCOMES = ['written', 'timeout', 'unavailable', 'failed', 'not-downloaded', 'not-reported'] as const;
export type ArchiveReportOutcome = DiffoscopeOutcome | 'not-downloaded' | 'not-reported';

/**
 * diffoscope runs for at most this many differing .debs of a check (the first by name;
 * the others are `not-reported`): a package of fifty .debs built with newer tools than
 * the archive's would otherwise cost fifty reports, each up to the diffoscope timeout.
 */
export const MAX_ARCHIVE_REPORTS = 3;

export interface DebVersusArchive {
  readonly deb: string;
  readonly outcome: ArchiveOutcome;
  readonly report?: ArchiveReportOutcome;
  /** Absent: the version the archive has of the same package and architecture, if any (a binNMU's is VERSION+bN). */
  readonly archiveVersion?: string;
}

export interface VersusArchiveSettings {
  /** Main's mirror of a suite (the same one its catalogue comes from). */
  readonly mirror: (suite: string) => string;
  readonly component: string;
  readonly maxAgeMs: number;
  readonly download: DownloadOptions;
  readonly trust: IndexTrust;
  readonly diffoscope: DiffoscopeSettings;
}

/** In a check's directory: the reports of the .debs that differ from the archive's. */
export const VERSUS_ARCHIVE_DIR = 'versus-archive';

/** The suite's Packages index as NAME_VERSION_ARCH.deb → its sha256, size and pool path, fetched at most every maxAgeMs. */
export async function archiveIndex(spool: Spool, suite: string, arch: string, settings: VersusArchiveSettings): Promise<Map<string, ArchiveDeb>> {
  const cache = path.join(spool.layout.root, 'cache', 'packages', `${suite}_${settings.component}_${arch}`);
  const stat = fs.statSync(cache, { throwIfNoEntry: false });
  const age = stat ? spool.clock.now() - stat.mtimeMs : Infinity;
  // A cache dated in the future (the clock stepped back) is as stale as an old one.
  if (stat && age >= 0 && age <= settings.maxAgeMs) return readCache(cache);
  const fetched = await fetchPackagesIndex(spool, settings.mirror(suite), suite, settings.component, arch, settings.download, settings.trust);
  const debs = parsePackagesIndex(fetched.text);
  ensureDirInside(spool.layout.root, path.dirname(cache));
  const lines = [...debs].map(([name, d]) => `${name} ${d.sha256} ${d.size} ${d.filename}`);
  writeFileAtomic(spool.layout, cache, `${lines.join('\n')}\n`, { noReplace: false, durable: false });
  return debs;
}

function readCache(file: string): Map<string, ArchiveDeb> {
  const debs = new Map<string, ArchiveDeb>();
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return debs; // removed meanwhile: this check compares with nothing, the next fetches
    throw error;
  }
  for (const line of text.split('\n')) {
    const [name, sha256, size, filename] = line.split(' ');
    if (name && sha256 && size && filename) debs.set(name, { sha256, size: Number(size), filename });
  }
  return debs;
}

/**
 * A build's .debs against the archive's, in name order. `products` are the hashes of the
 * build's link, which main verified against its files on fetch: they are not read again.
 */
export async function compareWithArchive(
  products: Readonly<Record<string, Hashes>>,
  buildDir: string,
  check: string,
  suite: string,
  archive: ReadonlyMap<string, ArchiveDeb>,
  settings: VersusArchiveSettings,
): Promise<DebVersusArchive[]> {
  const compared: DebVersusArchive[] = [];
  for (const deb of Object.keys(products)
    .filter((n) => isPackageFile(n) && n.endsWith('.deb'))
    .sort()) {
    const theirs = archive.get(deb);
    if (!theirs) {
      const other = otherVersion(archive, deb);
      compared.push({ deb, outcome: 'absent', ...(other && { archiveVersion: other }) });
    } else if (theirs.sha256 === products[deb]!.sha256) compared.push({ deb, outcome: 'identical' });
    else if (compared.filter((c) => c.outcome === 'differs').length >= MAX_ARCHIVE_REPORTS) compared.push({ deb, outcome: 'differs', report: 'not-reported' });
    else compared.push({ deb, outcome: 'differs', report: await reportDifference(path.join(buildDir, deb), check, settings.mirror(suite), theirs, settings) });
  }
  return compared;
}

/** The version of NAME_VERSION_ARCH.deb's package and architecture that the archive has instead, if it has one. */
function otherVersion(archive: ReadonlyMap<string, ArchiveDeb>, deb: string): string | undefined {
  const [name, , arch] = deb.slice(0, -'.deb'.length).split('_');
  for (const key of archive.keys()) {
    const [otherName, version, otherArch] = key.slice(0, -'.deb'.length).split('_');
    if (otherName === name && otherArch === arch) return version;
  }
  return undefined;
}

async function reportDifference(
  deb: string,
  check: string,
  mirror: string,
  theirs: ArchiveDeb,
  settings: VersusArchiveSettings,
): Promise<ArchiveReportOutcome> {
  const dir = path.join(check, VERSUS_ARCHIVE_DIR);
  fs.mkdirSync(dir, { recursive: true });
  const name = path.basename(deb);
  const archived = path.join(dir, `archive-${name}`);
  try {
    const url = `${mirror.replace(/\/+$/, '')}/${theirs.filename.split('/').map(encodeURIComponent).join('/')}`;
    const got = await download(url, archived, { ...settings.download, maxBytes: theirs.size });
    if (got.status !== 'ok' || got.sha256 !== theirs.sha256) return 'not-downloaded';
    const stem = path.join(dir, name);
    return await diffoscope(deb, archived, { html: `${stem}.html`, text: `${stem}.txt`, json: `${stem}.json` }, settings.diffoscope);
  } finally {
    fs.rmSync(archived, { force: true });
  }
}

/** The verdict file's Versus-Archive lines: "NAME OUTCOME[ REPORT]". */
export function formatVersusArchive(compared: readonly DebVersusArchive[]): string {
  return compared
    .map((c) => `${c.deb} ${c.outcome}${c.report ? ` ${c.report}` : ''}${c.archiveVersion ? ` ${ARCHIVE_HAS}${c.archiveVersion}` : ''}`)
    .join('\n');
}

/** Before the version an absent .deb's package has in the archive. */
const ARCHIVE_HAS = 'archive=';

export function parseVersusArchive(text: string): DebVersusArchive[] | undefined {
  const compared: DebVersusArchive[] = [];
  for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
    const [deb, outcome, third, extra] = line.trim().split(' ') as [string, string | undefined, string | undefined, string | undefined];
    if (!(ARCHIVE_OUTCOMES as readonly string[]).includes(outcome ?? '') || extra !== undefined) return undefined;
    const archiveVersion = third?.startsWith(ARCHIVE_HAS) ? third.slice(ARCHIVE_HAS.length) : undefined;
    const report = archiveVersion === undefined ? third : undefined;
    if (report !== undefined && !(ARCHIVE_REPORT_OUTCOMES as readonly string[]).includes(report)) return undefined;
    compared.push({
      deb,
      outcome: outcome as ArchiveOutcome,
      ...(report && { report: report as ArchiveReportOutcome }),
      ...(archiveVersion && { archiveVersion }),
    });
  }
  return compared;
}

/** For people: "2 identical, 1 differs (hello_2.10-3_amd64.deb)". */
export function describeVersusArchive(compared: readonly DebVersusArchive[]): string {
  const named = (d: DebVersusArchive) =>
    d.deb + (d.report && d.report !== 'written' ? `: report ${d.report}` : '') + (d.archiveVersion ? `: the archive has ${d.archiveVersion}` : '');
  return ARCHIVE_OUTCOMES.flatMap((outcome) => {
    const debs = compared.filter((c) => c.outcome === outcome);
    if (debs.length === 0) return [];
    return [`${debs.length} ${outcome}${outcome === 'identical' ? '' : ` (${debs.map(named).join(', ')})`}`];
  }).join(', ');
}

/** How many .debs had each outcome. */
export function archiveCounts(compared: readonly DebVersusArchive[]): Record<ArchiveOutcome, number> {
  return Object.fromEntries(ARCHIVE_OUTCOMES.map((o) => [o, compared.filter((c) => c.outcome === o).length])) as Record<ArchiveOutcome, number>;
}

/** All of build 1's .debs are the archive's own (and there is at least one). */
export function matchesArchive(compared: readonly DebVersusArchive[]): boolean {
  return compared.length > 0 && compared.every((c) => c.outcome === 'identical');
}
