/**
 * What writers put into reproducible.db, as journal records. Applying a record twice
 * changes nothing (keys include the journal id; results only move forward in time), so
 * a merge that crashed after saving but before deleting its journal files is harmless.
 */
import { ARCHIVE_OUTCOMES, ARCHIVE_REPORT_OUTCOMES, type DebVersusArchive } from '../archive/versus-archive.js';
import { type SqlSession, valueRows } from './session.js';
import { addCheck } from './verdict-days.js';
import { z } from 'zod';
import { SpoolError } from '../errors.js';
import { BUILD_NUMBERS, BUILD_STATUSES, type BuildNumber } from '../spool/build-status.js';
import { isName, isPackageName, isVersion } from '../spool/names.js';
import { EXPLAIN_OUTCOMES, type ExplainOutcome } from '../explain/search.js';
import { BUILD_STAGES, type StageSeconds } from '../builder/stages.js';

export const VERDICTS = [
  'reproducible',
  'unreproducible',
  'nondeterministic',
  'FTBFS',
  'depwait',
  'E404',
  'checksum-mismatch',
  'not-for-us',
  'timeout',
  'blacklisted',
] as const;
export type Verdict = (typeof VERDICTS)[number];

/** The verdicts of two builds that built and differ: they come with a diffoscope report and keep their .debs a while. */
export const DIFFERING_VERDICTS: readonly Verdict[] = ['unreproducible', 'nondeterministic'];

export function isDifferingVerdict(verdict: string | undefined): boolean {
  return (DIFFERING_VERDICTS as readonly (string | undefined)[]).includes(verdict);
}

export interface SourceKey {
  readonly name: string;
  readonly version: string;
  readonly suite: string;
  readonly architecture: string;
}

/** The builds table's column of each stage's seconds (added by migration 10), in BUILD_STAGES' order. */
export const STAGE_COLUMNS = BUILD_STAGES.map((stage) => `${stage}_seconds` as const);

/** A row's stage columns back as StageSeconds; undefined when none was recorded. */
export function stageSecondsOfRow(row: Readonly<Record<(typeof STAGE_COLUMNS)[number], number | null>>): StageSeconds | undefined {
  const seconds: StageSeconds = {};
  BUILD_STAGES.forEach((stage, i) => {
    const value = row[STAGE_COLUMNS[i]!];
    if (value !== null && value !== undefined) seconds[stage] = Number(value);
  });
  return Object.keys(seconds).length > 0 ? seconds : undefined;
}

export interface BuildRow {
  readonly buildNumber: BuildNumber;
  readonly node: string;
  readonly job?: string;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly exitCode: number | null;
  readonly status: string;
  /** Where its time went; absent: not recorded. */
  readonly stageSeconds?: StageSeconds;
}

export interface RecordedExplanation {
  readonly outcome: ExplainOutcome;
  readonly culprits: ReadonlyArray<readonly string[]>;
  readonly builds: number;
  /** The date of the check it explains. */
  readonly explains: string;
  /** Each trial build: what it varied, and whether its packages differed from build 1's. */
  readonly trials?: ReadonlyArray<{ readonly varied: readonly string[]; readonly differs: boolean }>;
}

/** Why a check was scheduled and by whom (the entry's Category, Reason and Requester), carried on to its verdict. */
export interface Scheduling {
  readonly category?: string;
  readonly reason?: string;
  readonly requester?: string;
}

export type StoreRecord =
  | {
      readonly kind: 'scheduled';
      readonly source: SourceKey;
      readonly priority: number;
      readonly scheduledAt: string;
      readonly reason: string;
      readonly category?: string;
      readonly requester?: string;
    }
  | {
      readonly kind: 'result';
      /** Identifies the check: recording it twice (a check finished by the next one) adds nothing. Default: the journal id. */
      readonly key?: string;
      readonly source: SourceKey;
      readonly verdict: Verdict;
      readonly detail?: string;
      /** The variations build 2 did not vary; absent: every one. */
      readonly notVaried?: readonly string[];
      /** An explanation's findings (explain): which variations make the difference, found in how many builds. */
      readonly explanation?: RecordedExplanation;
      /** Build 1's .debs against the archive's; absent: not compared. */
      readonly versusArchive?: readonly DebVersusArchive[];
      readonly buildDate: string;
      readonly builds: readonly BuildRow[];
      readonly scheduling?: Scheduling;
    }
  | { readonly kind: 'node-info'; readonly node: string; readonly collectedAt: string; readonly values: Readonly<Record<string, string>> };

// Every name a record holds later becomes a path (the dashboard's pages) or a query key:
// each is held to the spool's grammar here, where both stores read records.
const grammar = (check: (value: string) => boolean, expected: string) => z.string().refine(check, { message: `expected ${expected}` });
const sourceKey = z.object({
  name: grammar(isPackageName, 'a Debian source package name'),
  version: grammar(isVersion, 'a Debian version'),
  suite: grammar((v) => isName('suite', v), 'a suite name'),
  architecture: grammar((v) => isName('architecture', v), 'an architecture name'),
});
const variationName = grammar((v) => /^[a-z][a-z0-9-]*$/.test(v), 'a variation name');
const instant = grammar((v) => !Number.isNaN(Date.parse(v)), 'an ISO 8601 time');
const buildRow = z.object({
  buildNumber: z.literal(BUILD_NUMBERS),
  node: grammar((v) => isName('node', v), 'a node name'),
  job: z.string().optional(),
  startedAt: instant,
  durationSeconds: z.number().finite().min(0),
  exitCode: z.number().int().nullable(),
  status: z.enum(BUILD_STATUSES),
  stageSeconds: z.partialRecord(z.enum(BUILD_STAGES), z.number().finite().min(0)).optional(),
});
const scheduling = z.object({ category: z.string().optional(), reason: z.string().optional(), requester: z.string().optional() });
const storeRecord = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('scheduled'),
    source: sourceKey,
    priority: z.number().int(),
    scheduledAt: instant,
    reason: z.string(),
    category: z.string().optional(),
    requester: z.string().optional(),
  }),
  z.object({
    kind: z.literal('result'),
    key: z.string().optional(),
    source: sourceKey,
    verdict: z.enum(VERDICTS),
    detail: z.string().optional(),
    notVaried: z.array(variationName).optional(),
    versusArchive: z
      .array(
        z.object({
          deb: grammar((v) => /^[A-Za-z0-9][A-Za-z0-9.+_~-]*\.deb$/.test(v), 'a .deb file name'),
          outcome: z.enum(ARCHIVE_OUTCOMES),
          report: z.enum(ARCHIVE_REPORT_OUTCOMES).optional(),
          archiveVersion: grammar(isVersion, 'a Debian version').optional(),
        }),
      )
      .optional(),
    explanation: z
      .object({
        outcome: z.enum(EXPLAIN_OUTCOMES),
        culprits: z.array(z.array(variationName).min(1)),
        builds: z.number().int().min(0),
        explains: instant,
        trials: z
          .array(z.object({ varied: z.array(variationName), differs: z.boolean() }).strict())
          .max(200)
          .optional(),
      })
      .strict()
      .optional(),
    buildDate: instant,
    builds: z.array(buildRow).max(2),
    scheduling: scheduling.optional(),
  }),
  z.object({
    kind: z.literal('node-info'),
    node: grammar((v) => isName('node', v), 'a node name'),
    collectedAt: instant,
    values: z.record(z.string(), z.string()),
  }),
]);

/** A journal file's text as a record, or why it is not one (a torn write, a hand edit). */
export function parseRecord(text: string): { record: StoreRecord } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { problem: `not JSON (${(error as Error).message})` };
  }
  return checkRecord(json);
}

function checkRecord(value: unknown): { record: StoreRecord } | { problem: string } {
  const parsed = storeRecord.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { problem: `not a record: ${issue?.path.join('.') || '(top level)'}: ${issue?.message ?? 'invalid'}` };
  }
  return { record: parsed.data };
}

/**
 * The check every record passes before anything is committed for it (a check's record.json
 * before its verdict file, a journal file, a PostgreSQL transaction): a record the store
 * would refuse must never be acknowledged or archived. SpoolError('integrity') naming the field.
 */
export function validateRecord(record: StoreRecord): StoreRecord {
  const checked = checkRecord(record);
  if ('problem' in checked) throw new SpoolError('integrity', `refusing to record ${describeRecord(record)}: ${checked.problem}`);
  return checked.record;
}

function describeRecord(record: StoreRecord): string {
  return record.kind === 'node-info' ? `node information of ${JSON.stringify(record.node)}` : `a ${record.kind} record of ${JSON.stringify(record.source)}`;
}

export async function applyRecord(db: SqlSession, journalId: string, record: StoreRecord): Promise<void> {
  switch (record.kind) {
    case 'scheduled': {
      const s = record.source;
      await db.run(
        `INSERT INTO schedule_history (journal_id, name, version, suite, architecture, priority, scheduled_at, reason, category, requester)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        [
          journalId,
          s.name,
          s.version,
          s.suite,
          s.architecture,
          record.priority,
          record.scheduledAt,
          record.reason,
          record.category ?? null,
          record.requester ?? null,
        ],
      );
      return;
    }
    case 'result': {
      const s = record.source;
      const checkId = record.key ?? journalId;
      const node = (n: BuildNumber) => record.builds.find((b) => b.buildNumber === n)?.node ?? null;
      const notVaried = record.notVaried?.length ? record.notVaried.join(', ') : null;
      const explanation = record.explanation ? JSON.stringify(record.explanation) : null;
      const versusArchive = record.versusArchive ? JSON.stringify(record.versusArchive) : null;
      await db.run(
        `INSERT INTO results (name, version, suite, architecture, verdict, node1, node2, build_date, detail, not_varied, versus_archive)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (name, suite, architecture) DO UPDATE SET
           version = excluded.version, verdict = excluded.verdict, node1 = excluded.node1, node2 = excluded.node2,
           build_date = excluded.build_date, detail = excluded.detail, not_varied = excluded.not_varied, versus_archive = excluded.versus_archive
         WHERE excluded.build_date >= results.build_date`,
        [s.name, s.version, s.suite, s.architecture, record.verdict, node(1), node(2), record.buildDate, record.detail ?? null, notVaried, versusArchive],
      );
      const inserted = await db.all<{ journal_id: string }>(
        `INSERT INTO result_history
           (journal_id, name, version, suite, architecture, verdict, node1, node2, build_date, detail, category, reason, requester, not_varied, explanation,
            versus_archive)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING journal_id`,
        [
          checkId,
          s.name,
          s.version,
          s.suite,
          s.architecture,
          record.verdict,
          node(1),
          node(2),
          record.buildDate,
          record.detail ?? null,
          record.scheduling?.category ?? null,
          record.scheduling?.reason ?? null,
          record.scheduling?.requester ?? null,
          notVaried,
          explanation,
          versusArchive,
        ],
      );
      // Counted once, with the check: a record applied again inserts nothing. After the
      // results upsert on purpose: its row lock makes a concurrent transaction recording a
      // check of the same package wait for this one's commit, so each finds the other's
      // check among its neighbours (tested with four connections at once on PostgreSQL).
      if (inserted.length > 0) {
        await addCheck(db, {
          journalId: checkId,
          name: s.name,
          suite: s.suite,
          architecture: s.architecture,
          verdict: record.verdict,
          buildDate: record.buildDate,
        });
      }
      if (record.builds.length > 0) {
        await db.run(
          `INSERT INTO builds
             (journal_id, build_number, name, version, suite, architecture, node, job, started_at, duration_seconds, exit_code, status,
              ${STAGE_COLUMNS.join(', ')})
           VALUES ${valueRows(record.builds.length, 12 + STAGE_COLUMNS.length)} ON CONFLICT DO NOTHING`,
          record.builds.flatMap((b) => [
            checkId,
            b.buildNumber,
            s.name,
            s.version,
            s.suite,
            s.architecture,
            b.node,
            b.job ?? null,
            b.startedAt,
            b.durationSeconds,
            b.exitCode,
            b.status,
            ...BUILD_STAGES.map((stage) => b.stageSeconds?.[stage] ?? null),
          ]),
        );
      }
      return;
    }
    case 'node-info': {
      const [newest] = await db.all<{ at: string | null }>('SELECT max(collected_at) AS at FROM node_info WHERE node = ?', [record.node]);
      if (typeof newest?.at === 'string' && newest.at > record.collectedAt) return; // an older collection arriving late
      await db.run('DELETE FROM node_info WHERE node = ?', [record.node]);
      for (const [key, value] of Object.entries(record.values)) {
        await db.run('INSERT INTO node_info (node, key, value, collected_at) VALUES (?, ?, ?, ?)', [record.node, key, value, record.collectedAt]);
      }
      return;
    }
  }
}
