/**
 * One reproducibility check of the next scheduled entry, whatever carries it to the
 * nodes: the main spool picks it for node 1 (the job's lock is held throughout), a
 * NodeRunner ships it, has the node build it and fetches the results back; the entry
 * advances to node 2 for build 2; then the main node compares, archives, records the
 * verdict and removes the entry. If the check cannot finish (a node unreachable, a disk
 * full…) the entry goes back to scheduled/ with Attempt+1; if the job is killed, the
 * reaper does the same, and the next check clears what the dead one left on the nodes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SpoolError } from '../errors.js';
import { ensureDirInside, fsyncDir, writeFileAtomic } from '../durable/atomic.js';
import { type Entry, attemptOf, withFields } from '../spool/entry.js';
import { faultPoint } from '../durable/fault.js';
import { type EntryId, formatId } from '../spool/identity.js';
import type { EntryLock } from '../spool/lock.js';
import { locate } from '../spool/read-entry.js';
import { KeyDir } from '../trust/keys.js';
import { type DebVersusArchive, type VersusArchiveSettings, archiveIndex, compareWithArchive } from '../archive/versus-archive.js';
import { REBUILD_LINK, VERDICT_LINK } from '../trust/link.js';
import { readLinkFile } from '../trust/build-link.js';
import { signVerdictLink } from '../trust/verdict-link.js';
import { type ArchivedVerdict, RECORD_FILE, VERDICT_FILE, buildDir, checkDir, checkKey, formatVerdict, reportPaths } from '../archive/format.js';
import { readArchivedRecord } from '../archive/checks.js';
import { readResultMarker } from '../spool/results.js';
import type { Spool } from '../spool/spool.js';
import { advance } from '../spool/transitions/advance.js';
import { pick } from '../spool/transitions/pick.js';
import { nextAttempt, requeue } from '../spool/transitions/requeue.js';
import { type VerdictEventSettings, spoolVerdictEvents } from '../notify/verdict-events.js';
import { type BuildRow, type RecordedExplanation, type Scheduling, type StoreRecord, type Verdict, validateRecord } from '../store/records.js';
import { EXPLAIN_FIELD, explainEntry } from '../explain/explain.js';
import type { Store } from '../store/store.js';
import { type Comparison, compareBuilds } from './compare.js';
import { reportPair } from './report-pair.js';
import { type DiffoscopeOutcome, type DiffoscopeSettings, diffoscope } from './diffoscope.js';
import { type DifferingFile, readJsonReport } from './diffoscope-report.js';
import { concludedCheck } from '../spool/concluded.js';
import type { NodeBuild } from './build-node.js';
import { BUILD_NUMBERS, type BuildNumber } from '../spool/build-status.js';
import { notVaried, type Varied } from './variations.js';
import { formatVaried, parseVaried } from './variation-spec.js';
import { STAGE_SECONDS_FIELD, parseStageSeconds } from './stages.js';

/** How entries reach one node and come back: the local spool next door, or ssh. */
export interface NodeRunner {
  readonly node: string;
  /** Removes what a dead earlier check left of this entry on the node. */
  clearLeftovers(id: EntryId): Promise<void>;
  /** Ships the entry, has the node build it, and fetches its results into main's reproducible-results/$NODE/ (the returned results path). */
  build(entry: Entry, buildNumber: BuildNumber): Promise<NodeBuild>;
}

export interface CheckSettings {
  readonly store: Store;
  readonly diffoscope: DiffoscopeSettings;
  readonly job: string;
  /**
   * Aborted when the job is told to stop (Jenkins aborts with SIGTERM): before the verdict
   * the check stops and hands its entry back to scheduled/ itself, Attempt unchanged (it
   * was nobody's failure); once the verdict is being recorded, it finishes.
   */
  readonly signal?: AbortSignal;
  /** Which verdicts are events (src/notify/); undefined: none are spooled. */
  readonly notify?: VerdictEventSettings;
  /** What build 2 varies, unless the entry's Variations field says (the `variations` key and `--vary`). */
  readonly varied: Varied;
  /** The most trial builds one explanation may run (explain). */
  readonly explainMaxBuilds: number;
  /** Progress of long work, for people (stderr). */
  readonly progress?: (message: string) => void;
  /** Where build 1's .debs are compared with the archive's; undefined: they are not (compareWithArchive off). */
  readonly versusArchive?: VersusArchiveSettings;
}

/** The check was stopped before its verdict and its entry handed back: nothing lost, nothing counted. */
export class CheckStoppedError extends SpoolError {
  constructor(readonly id: EntryId) {
    super('failed', `${formatId(id)}: stopped by a signal before its verdict; handed back to scheduled/ with its Attempt unchanged`);
    this.name = 'CheckStoppedError';
  }
}

export interface CheckRequest {
  readonly suite?: string;
  readonly arch?: string;
  readonly pkg?: string;
}

export interface CheckVerdict {
  readonly id: EntryId;
  readonly verdict: Verdict;
  /** Why, beyond the verdict's word (also in the verdict file and reproducible.db). */
  readonly detail?: string;
  /** depwait: the build dependencies that cannot be satisfied in the suite. */
  readonly unsatisfiable?: string;
  /** 2 when build 1 built and only build 2 failed: a variation of ours breaks it (the clock, the locale…), not the package alone. */
  readonly failsOnlyIn?: 2;
  /** The verdict was recorded by an earlier check that died before removing the entry: this one only finished the removal. */
  readonly concludedEarlier?: true;
  readonly builds: NodeBuild[];
  readonly comparison?: Comparison;
  readonly diffoscope?: DiffoscopeOutcome;
  /** From the diffoscope report: each differing file (a .deb, the .buildinfo) and the paths inside it that differ. */
  readonly differingFiles?: DifferingFile[];
  readonly archive: string;
  /** An explanation's findings (explain): which variations make the difference. */
  readonly explanation?: RecordedExplanation;
  /** Build 1's .debs against the archive's, or why they were not compared. */
  readonly versusArchive?: readonly DebVersusArchive[];
  readonly versusArchiveUnavailable?: string;
}

/** Checks the next scheduled entry on runners[0] then runners[1]; undefined when nothing is scheduled. */
export async function checkNext(
  main: Spool,
  settings: CheckSettings,
  runners: readonly [NodeRunner, NodeRunner],
  request: CheckRequest,
): Promise<CheckVerdict | undefined> {
  const taken = await pick(main, { node: runners[0].node, suite: request.suite, arch: request.arch, pkg: request.pkg, job: settings.job });
  if (!taken) return undefined;
  const { lock } = taken;
  // The choice travels in the entry (to the nodes, and back to scheduled/ if the check is handed back).
  let entry = taken.entry.fields.has('Variations') ? taken.entry : withFields(taken.entry, [['Variations', formatVaried(settings.varied)]]);
  // Handed back before: maybe only the removal of a concluded check was missing.
  const concluded = entry.fields.get('Last-Failure') !== undefined ? concludedCheck(main.layout, entry) : undefined;
  if (concluded) {
    try {
      let record: StoreRecord | undefined;
      try {
        record = readRecordFile(concluded.archive);
      } catch (error) {
        // A record no store takes (archived by an older version): counted, so that the entry
        // ends in failed/ after its attempts instead of coming back for ever.
        if (error instanceof SpoolError && error.kind === 'integrity') await requeue(main, lock, entry.id, error.message, { countsAsAttempt: true });
        throw error;
      }
      if (record) {
        await spoolEvents(main, settings, record); // the events' ids come from the record's key: spooled once however often this runs
        await settings.store.record([record]); // its own key: a no-op if the dead job got that far
      }
      removeEntry(main, lock, entry.id);
      return { id: entry.id, verdict: concluded.verdict as Verdict, detail: concluded.detail, builds: [], archive: concluded.archive, concludedEarlier: true };
    } finally {
      await lock.release();
    }
  }
  if (attemptOf(entry) > main.thresholds.maxAttempts) {
    // Handed back by the reaper past maxAttempts (it cannot reach the nodes): fail it here, where what it left can be cleared.
    try {
      const fields = await clearAfterFailure(main, runners, entry.id);
      await requeue(main, lock, entry.id, entry.fields.get('Last-Failure') ?? 'attempts used up', { countsAsAttempt: false, fields });
      throw new SpoolError('failed', `${formatId(entry.id)}: its ${main.thresholds.maxAttempts} attempts are used up; moved to failed/`);
    } finally {
      await lock.release();
    }
  }
  try {
    for (const runner of runners) {
      // Only an entry handed back before (requeue and the reaper always record Last-Failure)
      // can have copies on the nodes; skipping the others saves a remote start per node.
      // (A node also discards stale results of an entry it is given again: build-node.ts.)
      if (entry.fields.get('Last-Failure') !== undefined) await runner.clearLeftovers(entry.id);
      fs.rmSync(main.layout.resultsPath(runner.node, entry.id), { recursive: true, force: true });
    }
    if (entry.fields.get(EXPLAIN_FIELD) !== undefined) return await explainEntry(main, settings, lock, entry, runners[0]);
    const builds: NodeBuild[] = [];
    const stopCheck = () => {
      if (settings.signal?.aborted) throw new CheckStoppedError(entry.id);
    };
    for (const buildNumber of BUILD_NUMBERS) {
      const runner = runners[buildNumber - 1]!;
      stopCheck();
      if (buildNumber === 2) entry = advance(main, lock, entry, runners[0].node, runner.node);
      const build = await runner.build(entry, buildNumber);
      stopCheck();
      builds.push(build);
      faultPoint(`check:after-build-${buildNumber}`);
      if (build.status !== 'built') break;
    }
    return await conclude(main, settings, lock, entry, builds);
  } catch (error) {
    // A node still finishing an orphaned copy of this entry, or a job told to stop, is
    // nobody's failure: the entry waits, Attempt unchanged.
    const stopped = settings.signal?.aborted === true;
    const waits = error instanceof SpoolError && error.kind === 'busy';
    const reason = stopped ? 'check stopped by a signal before its verdict' : `check failed: ${(error as Error).message}`;
    const countsAsAttempt = !waits && !stopped;
    // failed/ is the end of the road: nothing will come back for what this entry left on main or on its nodes.
    const fields = nextAttempt(main, entry, { countsAsAttempt }).fails ? await clearAfterFailure(main, runners, entry.id) : [];
    await requeue(main, lock, entry.id, reason, { countsAsAttempt, fields });
    throw stopped ? new CheckStoppedError(entry.id) : error;
  } finally {
    await lock.release();
  }
}

/**
 * Before an entry goes to failed/: removes its fetched results on main and, best effort,
 * its copies and results on both nodes. A node that cannot be reached is named in the
 * failed/ entry's Leftovers-On, for the operator (forget on that node) before a retry.
 */
async function clearAfterFailure(main: Spool, runners: readonly [NodeRunner, NodeRunner], id: EntryId): Promise<Array<[string, string]>> {
  const unreached: string[] = [];
  for (const runner of runners) {
    fs.rmSync(main.layout.resultsPath(runner.node, id), { recursive: true, force: true });
    try {
      await runner.clearLeftovers(id);
    } catch (error) {
      if (!(error instanceof SpoolError)) throw error;
      unreached.push(runner.node);
    }
  }
  return unreached.length > 0 ? [['Leftovers-On', [...new Set(unreached)].join(' ')]] : [];
}

async function conclude(main: Spool, settings: CheckSettings, lock: EntryLock, entry: Entry, builds: NodeBuild[]): Promise<CheckVerdict> {
  const now = new Date(main.clock.now());
  const archive = checkDir(main.layout, entry.id, now.toISOString());
  const reports = reportPaths(archive);
  ensureDirInside(main.layout.root, archive);
  const [first, second] = builds as [NodeBuild, NodeBuild | undefined];
  let comparison: Comparison | undefined;
  let report: DiffoscopeOutcome | undefined;
  let verdict: Verdict;
  let failsOnlyIn: 2 | undefined;
  // Build 2 runs only after a successful build 1; a failed build is the verdict itself.
  if (first.status !== 'built') verdict = first.status;
  else if (!second) throw new SpoolError('failed', `${formatId(entry.id)}: build 2 did not run`);
  else if (second.status !== 'built') {
    verdict = second.status;
    failsOnlyIn = 2;
  } else {
    comparison = compareBuilds(first.results, second.results);
    verdict = comparison.verdict;
    const pair = reportPair(first.results, second.results, comparison);
    if (pair) report = await diffoscope(pair[0], pair[1], reports, settings.diffoscope);
  }
  const differing = report === 'written' ? differingFilesOf(reports.json, now) : undefined;
  const failed = builds.find((b) => b.status !== 'built');
  const unsatisfiable = failed && readResultMarker(failed.results).get('Unsatisfiable');
  const detail =
    [
      failsOnlyIn ? `${verdict} in build 2 only: build 1 built, so a variation of build 2 breaks it` : undefined,
      unsatisfiable ? `unsatisfiable build dependencies: ${unsatisfiable}` : undefined,
    ]
      .filter(Boolean)
      .join('; ') || undefined;
  const rows = builds.map((b) => buildRow(b, settings.job, now));
  const off = notVaried(parseVaried(entry.fields.get('Variations'), `the Variations of ${formatId(entry.id)}`));
  for (const build of builds) fs.renameSync(build.results, buildDir(archive, build.buildNumber));
  const explained = { detail, unsatisfiable, failsOnlyIn, differingFiles: differing };
  const against = first.status === 'built' && settings.versusArchive ? await againstArchive(main, settings, entry.id, archive) : {};
  const record = resultRecord(main, entry, archive, now, { verdict, detail, notVaried: off, builds: rows, versusArchive: against.versusArchive });
  await commitVerdict(main, settings, lock, entry.id, archive, record, {
    ...archivedVerdict(entry, verdict, explained, comparison, report, now),
    notVaried: off,
    ...against,
  });
  return {
    id: entry.id,
    verdict,
    ...explained,
    ...against,
    builds: builds.map((b, i) => ({ ...b, stageSeconds: rows[i]!.stageSeconds, results: buildDir(archive, b.buildNumber) })),
    comparison,
    diffoscope: report,
    archive,
  };
}

/** Build 1's .debs against the archive's; a mirror that cannot say (down, unsigned where a signature is required) leaves the verdict as it is. */
async function againstArchive(
  main: Spool,
  settings: CheckSettings,
  id: EntryId,
  archive: string,
): Promise<{ versusArchive?: DebVersusArchive[]; versusArchiveUnavailable?: string }> {
  const versus = settings.versusArchive!;
  try {
    const build1 = buildDir(archive, 1);
    const link = readLinkFile(path.join(build1, REBUILD_LINK));
    if ('problem' in link) throw new SpoolError('integrity', `${main.layout.relative(build1)}/${REBUILD_LINK} is ${link.problem}`);
    const index = await archiveIndex(main, id.suite, id.arch, versus);
    const compared = await compareWithArchive(link.signed.products, build1, archive, id.suite, index, versus);
    const differs = compared.filter((c) => c.outcome === 'differs').length;
    if (differs > 0) settings.progress?.(`${formatId(id)}: ${differs} of ${compared.length} .debs differ from the archive's`);
    return { versusArchive: compared };
  } catch (error) {
    if (!(error instanceof SpoolError)) throw error;
    settings.progress?.(`${formatId(id)}: not compared with the archive: ${error.message}`);
    return { versusArchiveUnavailable: error.message.replace(/\s+/g, ' ') };
  }
}

/**
 * The verdict file is the commit point of a check (or an explanation). Before it: the
 * record it implies and main's signed statement of both (verdict.link), so that whoever
 * finishes this check (the next check, if this job dies) records exactly this, once (its
 * key makes a second recording a no-op). After it:
 * the record, then the entry's removal. Validated first: a record the store refuses must
 * never become a verdict.
 */
export async function commitVerdict(
  main: Spool,
  settings: CheckSettings,
  lock: EntryLock,
  id: EntryId,
  archive: string,
  record: StoreRecord,
  verdict: ArchivedVerdict,
): Promise<void> {
  validateRecord(record);
  const texts = { record: JSON.stringify(record), verdict: formatVerdict(verdict) };
  writeFileAtomic(main.layout, path.join(archive, RECORD_FILE), texts.record, { noReplace: true });
  const statement = signVerdictLink(archive, id, verdict.verdict, texts, new KeyDir(main.layout).signingKey());
  writeFileAtomic(main.layout, path.join(archive, VERDICT_LINK), statement, { noReplace: true });
  lock.assertHeld(); // a job stalled past the stale time has lost the entry: it must not conclude it too
  writeFileAtomic(main.layout, path.join(archive, VERDICT_FILE), texts.verdict, { noReplace: true });
  fsyncDir(archive);
  faultPoint('check:after-verdict');
  await spoolEvents(main, settings, record);
  await settings.store.record([record]);
  faultPoint('check:before-remove');
  removeEntry(main, lock, id);
}

/** What the JSON report says differs, and why; undefined when diffoscope left none (killed, or an older diffoscope). */
export function differingFilesOf(json: string, checkedAt: Date): DifferingFile[] | undefined {
  return fs.existsSync(json) ? readJsonReport(fs.readFileSync(json, 'utf8'), checkedAt) : undefined;
}

/** The notification events of a committed verdict, spooled before it is recorded (so that the previous verdict is still the latest). */
async function spoolEvents(main: Spool, settings: CheckSettings, record: StoreRecord): Promise<void> {
  if (settings.notify) await spoolVerdictEvents(main, settings.store, record, settings.notify);
  faultPoint('check:after-events');
}

/** What a concluded check recorded, or was about to record (none in archives of checks that recorded first). */
function readRecordFile(archive: string): StoreRecord | undefined {
  const read = readArchivedRecord(archive);
  if (read !== undefined && 'problem' in read) throw new SpoolError('integrity', `${read.file} is ${read.problem}: the check it concludes cannot be recorded`);
  return read?.record;
}

/** The last step of a check: the entry leaves the spool (every copy of it), only while the job still holds it. */
function removeEntry(main: Spool, lock: EntryLock, id: EntryId): void {
  lock.assertHeld();
  for (const location of locate(main.layout, id)) fs.unlinkSync(location.path);
}

/** The record of a concluded check (or explanation) of `entry` archived in `archive`, keyed by that directory. */
export function resultRecord(
  main: Spool,
  entry: Entry,
  archive: string,
  now: Date,
  parts: Pick<Extract<StoreRecord, { kind: 'result' }>, 'verdict' | 'detail' | 'builds' | 'explanation' | 'versusArchive'> & {
    readonly notVaried: readonly string[];
  },
): StoreRecord {
  const { notVaried: off, ...rest } = parts;
  return {
    kind: 'result',
    key: checkKey(main.layout.relative(archive)),
    source: { name: entry.id.pkg, version: entry.id.version, suite: entry.id.suite, architecture: entry.id.arch },
    ...rest,
    ...(off.length > 0 && { notVaried: off }),
    buildDate: now.toISOString(),
    scheduling: schedulingOf(entry),
  };
}

/** What every verdict file says: which package, its verdict, when, and why it was scheduled (the entry's words). */
export function verdictOf(entry: Entry, verdict: Verdict, now: Date): ArchivedVerdict {
  return {
    source: entry.id.pkg,
    version: entry.id.version,
    suite: entry.id.suite,
    architecture: entry.id.arch,
    verdict,
    scheduled: entry.fields.get('Scheduled'),
    category: entry.fields.get('Category'),
    reason: entry.fields.get('Reason'),
    requester: entry.fields.get('Requester'),
    date: now.toISOString(),
  };
}

function archivedVerdict(
  entry: Entry,
  verdict: Verdict,
  explained: Pick<CheckVerdict, 'detail' | 'unsatisfiable' | 'failsOnlyIn' | 'differingFiles'>,
  comparison: Comparison | undefined,
  report: DiffoscopeOutcome | undefined,
  now: Date,
): ArchivedVerdict {
  return {
    ...verdictOf(entry, verdict, now),
    ...explained,
    differing: comparison?.differing,
    onlyInBuild1: comparison?.onlyInFirst,
    onlyInBuild2: comparison?.onlyInSecond,
    environmentChanged: comparison?.environmentChanged,
    diffoscope: report,
  };
}

/** Why the entry was scheduled and by whom, as the scheduler wrote it into the entry; undefined for an entry that says nothing. */
function schedulingOf(entry: Entry): Scheduling | undefined {
  const scheduling = { category: entry.fields.get('Category'), reason: entry.fields.get('Reason'), requester: entry.fields.get('Requester') };
  return Object.values(scheduling).some((v) => v !== undefined) ? scheduling : undefined;
}

function buildRow(build: NodeBuild, job: string, now: Date): BuildRow {
  const result = readResultMarker(build.results);
  const exit = result.get('Exit-Code'); // "none" when the build never ran (a failed fetch)
  const start = result.get('Start') ?? now.toISOString();
  return {
    buildNumber: build.buildNumber,
    node: build.node,
    job,
    startedAt: start,
    durationSeconds: build.durationSeconds,
    exitCode: exit !== undefined && /^[0-9]+$/.test(exit) ? Number(exit) : null,
    status: build.status,
    stageSeconds: parseStageSeconds(result.get(STAGE_SECONDS_FIELD)),
  };
}
