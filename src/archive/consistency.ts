/**
 * `check`: do the archive, reproducible.db and the spool agree? The classes of breakage
 * the original system's "breakages" page lists, and those of this layout. Only reads;
 * repair() fixes the classes whose fix cannot lose anything: an archived verdict missing
 * from the database is recorded again (idempotent by its check's key), a check killed
 * before its verdict is pruned as `archive prune` would, an entry in two states is left
 * to the reaper (its rules decide which copy wins).
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { catalogueMembership } from '../store/catalogue.js';
import { writeFileAtomic } from '../durable/atomic.js';
import { errnoCode } from '../errors.js';
import type { ArchiveSettings } from '../config/settings.js';
import { BUILD_LOG, type Layout, RESULT_MARKER } from '../spool/layout.js';
import { BUILD_NUMBERS } from '../spool/build-status.js';
import { CHECK_KEY_PREFIX, RECORD_FILE, REPORT_NAMES, VerdictFileError, buildDir, buildDirName, checkKey } from './format.js';
import { listDir } from '../spool/walk.js';
import type { SqlSession } from '../store/session.js';
import { readResultMarker } from '../spool/results.js';
import { readVerdict, walkArchive } from './checks.js';
import { isDifferingVerdict } from '../store/records.js';

export const FINDING_CLASSES = [
  'unreproducible-without-report',
  'report-without-unreproducible',
  'built-without-buildinfo',
  'build-without-log',
  'archive-without-row',
  'row-without-archive',
  'result-not-in-catalogue',
  'unconcluded-archive',
  'unreadable-verdict',
  'half-removed-check',
  'orphan-build-directory',
  'entry-in-two-states',
] as const;
export type FindingClass = (typeof FINDING_CLASSES)[number];
/** What `check --repair` fixes; the others need a person (or a new check). */
export const REPAIRABLE: readonly FindingClass[] = [
  'archive-without-row',
  'unconcluded-archive',
  'half-removed-check',
  'orphan-build-directory',
  'entry-in-two-states',
];

export interface Finding {
  readonly class: FindingClass;
  /** What it is about: an archive directory, a package, an entry. */
  readonly subject: string;
  readonly detail: string;
}

/** The archive's own breakages, and which concluded checks' record keys it holds. */
function archiveFindings(layout: Layout, settings: ArchiveSettings, now: number): { findings: Finding[]; keys: Map<string, string> } {
  const findings: Finding[] = [];
  const keys = new Map<string, string>();
  const walked = walkArchive(layout);
  for (const dir of walked.removing)
    findings.push({
      class: 'half-removed-check',
      subject: layout.relative(dir),
      detail: 'renamed aside by an archive prune that was killed before removing it',
    });
  for (const check of walked.checks) {
    const subject = layout.relative(check.dir);
    let verdict: string | undefined;
    try {
      verdict = readVerdict(check.dir)?.verdict;
    } catch (error) {
      if (!(error instanceof VerdictFileError)) throw error;
      findings.push({ class: 'unreadable-verdict', subject, detail: error.message });
      continue;
    }
    if (verdict === undefined) {
      if (now - check.at > settings.abandonedMaxAgeMs)
        findings.push({ class: 'unconcluded-archive', subject, detail: 'no verdict file: a check killed before its verdict' });
      continue;
    }
    if (fs.existsSync(path.join(check.dir, RECORD_FILE))) keys.set(checkKey(subject), subject);
    const reports = REPORT_NAMES.filter((name) => fs.existsSync(path.join(check.dir, name)));
    const differs = isDifferingVerdict(verdict);
    if (differs && reports.length === 0) findings.push({ class: 'unreproducible-without-report', subject, detail: 'no diffoscope report' });
    if (!differs && reports.length > 0) findings.push({ class: 'report-without-unreproducible', subject, detail: `${verdict}, with ${reports.join(', ')}` });
    for (const n of BUILD_NUMBERS) {
      const dir = buildDir(check.dir, n);
      if (!fs.existsSync(path.join(dir, RESULT_MARKER))) continue;
      if (!fs.existsSync(path.join(dir, BUILD_LOG)))
        findings.push({ class: 'build-without-log', subject: `${subject}/${buildDirName(n)}`, detail: `a build that ran, no ${BUILD_LOG}` });
      if (readResultMarker(dir).get('Status') !== 'built') continue;
      if (!listDir(dir).some((d) => d.name.endsWith('.buildinfo')))
        findings.push({ class: 'built-without-buildinfo', subject: `${subject}/${buildDirName(n)}`, detail: 'built, no .buildinfo' });
    }
  }
  return { findings, keys };
}

export interface CheckInput {
  readonly layout: Layout;
  readonly settings: ArchiveSettings;
  /** historyFoldAfterDays: rows older than this may have been folded away, legitimately. */
  readonly foldAfterDays: number;
  readonly now: number;
  /** Entries found in two states (spool status' duplicates). */
  readonly duplicates: readonly string[];
  /** Results and build directories nobody will fetch or finish (what a dry-run reap would remove), with why. */
  readonly orphans: ReadonlyArray<{ readonly path: string; readonly reason: string }>;
}

export async function findBreakages(db: SqlSession, input: CheckInput): Promise<Finding[]> {
  const { findings, keys } = archiveFindings(input.layout, input.settings, input.now);
  const rows = await db.all<{ journal_id: string; build_date: string }>('SELECT journal_id, build_date FROM result_history WHERE journal_id LIKE ?', [
    `${CHECK_KEY_PREFIX}%`,
  ]);
  const inDatabase = new Set(rows.map((r) => r.journal_id));
  const foldedBefore = new Date(input.now - input.foldAfterDays * 86_400_000).toISOString();
  const prunedBefore = new Date(input.now - input.settings.archiveKeepDays * 86_400_000).toISOString();
  for (const [key, subject] of keys) {
    if (!inDatabase.has(key)) findings.push({ class: 'archive-without-row', subject, detail: 'a concluded check reproducible.db does not hold' });
  }
  const catalogue = await catalogueMembership(db);
  /** archive/$SUITE/$ARCH/$PKG/…: archive prune removes a gone package's checks after goneGraceDays, its rows stay. */
  const ofGonePackage = (subject: string) => {
    const [, suite = '', arch = '', pkg = ''] = subject.split('/');
    return catalogue.isGone(suite, arch, pkg);
  };
  for (const row of rows) {
    // Older checks may be gone from the archive by archive prune, or from the database by db fold: not a breakage.
    const subject = row.journal_id.slice(CHECK_KEY_PREFIX.length);
    if (!keys.has(row.journal_id) && row.build_date >= prunedBefore && row.build_date >= foldedBefore && !ofGonePackage(subject)) {
      findings.push({
        class: 'row-without-archive',
        subject,
        detail: `recorded at ${row.build_date}, not in the archive`,
      });
    }
  }
  const gone = await db.all<{ name: string; suite: string; architecture: string }>(
    `SELECT r.name, r.suite, r.architecture FROM results r
     WHERE NOT EXISTS (SELECT 1 FROM sources s WHERE s.name = r.name AND s.suite = r.suite AND s.architecture = r.architecture)
       AND EXISTS (SELECT 1 FROM sources s WHERE s.suite = r.suite AND s.architecture = r.architecture)`,
  );
  for (const r of gone)
    findings.push({
      class: 'result-not-in-catalogue',
      subject: `${r.suite}/${r.architecture}/${r.name}`,
      detail: 'a verdict for a package the catalogue no longer has',
    });
  for (const orphan of input.orphans) findings.push({ class: 'orphan-build-directory', subject: orphan.path, detail: `${orphan.reason}: reap removes it` });
  for (const duplicate of input.duplicates) findings.push({ class: 'entry-in-two-states', subject: duplicate, detail: 'a crash leftover: reap resolves it' });
  return findings;
}

/** What the last `check` found, in the spool root, for the dashboard (which shows it instead of walking the archive again). */
export const FINDINGS_FILE = 'check-findings.json';

export interface RecordedFindings {
  readonly checkedAt: string;
  readonly findings: readonly Finding[];
}

const recordedFindings = z.object({
  checkedAt: z.string(),
  findings: z.array(z.object({ class: z.enum(FINDING_CLASSES), subject: z.string(), detail: z.string() })),
});

export function writeFindings(layout: Layout, recorded: RecordedFindings): void {
  writeFileAtomic(layout, path.join(layout.root, FINDINGS_FILE), JSON.stringify(recorded), { noReplace: false });
}

/** The last check's findings; undefined when no check ran yet, or its file is not one (then the dashboard says so). */
export function readFindings(layout: Layout): RecordedFindings | 'unreadable' | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(layout.root, FINDINGS_FILE), 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'unreadable';
  }
  const parsed = recordedFindings.safeParse(json);
  return parsed.success ? parsed.data : 'unreadable';
}
