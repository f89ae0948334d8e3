/**
 * An explanation: an entry with an Explain field (the date of the unreproducible check it
 * explains), picked by a job like any check, runs the culprit search (search.ts) on the
 * job's first node. Each trial is that node building the entry as build 2 with only a
 * subset of the check's variations (its Variations field; the rest as build 1 gets them),
 * fetched back like any build and compared with the check's build 1 by the sha256 of the
 * packages. diffoscope runs once, at the end, on build 1 and the build of the first
 * culprit alone (or, nondeterministic, of the control).
 *
 * Lock: the entry's job lock, held by checkNext throughout. The explanation is a check
 * directory of its own (build1/ linked from the explained check, build2/ the reported
 * trial, its reports, record.json and the verdict file: the commit point, as for a check).
 * Fault point explain:after-trial. A crash leaves the entry to the reaper (back to
 * scheduled/, Explain field and all, then explained again from the start by the next job
 * or `explain`) and a directory without a verdict with its trialN/ directories, which
 * archive prune removes once abandoned (abandonedMaxAgeSeconds).
 */
import fs from 'node:fs';
import path from 'node:path';
import { type ArchivedVerdict, buildDir, checkDir, reportPaths } from '../archive/format.js';
import { readVerdict } from '../archive/checks.js';
import { ensureDirInside } from '../durable/atomic.js';
import { faultPoint } from '../durable/fault.js';
import { SpoolError } from '../errors.js';
import { type Entry, withFields } from '../spool/entry.js';
import { type EntryId, formatId } from '../spool/identity.js';
import type { EntryLock } from '../spool/lock.js';
import type { Spool } from '../spool/spool.js';
import type { RecordedExplanation } from '../store/records.js';
import { type CheckSettings, type CheckVerdict, type NodeRunner, commitVerdict, differingFilesOf, resultRecord, verdictOf } from '../builder/check.js';
import { compareBuilds, isPackageFile } from '../builder/compare.js';
import { diffoscope } from '../builder/diffoscope.js';
import { causeIds } from '../builder/diffoscope-report.js';
import { reportPair } from '../builder/report-pair.js';
import { VARIATIONS, VARIATION_IDS, type VariationId, notVaried } from '../builder/variations.js';
import { formatVaried } from '../builder/variation-spec.js';
import type { NodeBuild } from '../builder/build-node.js';
import { type SearchResult, findCulprits } from './search.js';

/** The entry field that makes an entry an explanation: the date of the check it explains. */
export const EXPLAIN_FIELD = 'Explain';

/** How much likelier a variation named by a cause tag is taken to be: enough to be tried alone first. */
const HINT_WEIGHT = 1000;

const priorOf = new Map(VARIATIONS.map((v) => [v.id, v.prior]));

/** Culprit groups for people: "clock; locale together with umask". */
export function describeCulprits(groups: ReadonlyArray<readonly string[]>): string {
  return groups.map((g) => g.join(' together with ')).join('; ');
}

/**
 * The explained check of `id` dated `date`: its directory, verdict and build 1, or exit
 * 2/5 naming what is wrong with it (`explain` asks before it schedules, a job again).
 */
export function explainedCheck(main: Spool, id: EntryId, date: string): { dir: string; verdict: ArchivedVerdict; first: string } {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(date)) {
    throw new SpoolError('integrity', `${formatId(id)} has Explain ${JSON.stringify(date)}: expected the ISO date of a check (2026-12-04T03:00:00.000Z)`);
  }
  const dir = checkDir(main.layout, id, date);
  const verdict = readVerdict(dir);
  if (!verdict) throw new SpoolError('usage', `${formatId(id)}: no check of ${date} in ${main.layout.relative(dir)} to explain`);
  if (verdict.verdict !== 'unreproducible') {
    throw new SpoolError('usage', `${formatId(id)}: the check of ${date} is ${verdict.verdict}: only an unreproducible check has a difference to explain`);
  }
  const first = buildDir(dir, 1);
  if (!fs.existsSync(first) || !fs.readdirSync(first).some(isPackageFile)) {
    throw new SpoolError('usage', `${formatId(id)}: the check of ${date} no longer keeps build 1's packages (archive prune): check the package again first`);
  }
  return { dir, verdict, first };
}

export async function explainEntry(main: Spool, settings: CheckSettings, lock: EntryLock, entry: Entry, runner: NodeRunner): Promise<CheckVerdict> {
  const explained = explainedCheck(main, entry.id, entry.fields.get(EXPLAIN_FIELD)!);
  // What the explained check varied: the search looks for its culprits among these, and they are what this explanation did not vary.
  const varied = VARIATION_IDS.filter((id) => !(explained.verdict.notVaried ?? []).includes(id));
  const off = notVaried(new Set(varied));
  const now = new Date(main.clock.now());
  const archive = checkDir(main.layout, entry.id, now.toISOString());
  ensureDirInside(main.layout.root, archive);
  const trials: Array<{ varied: readonly VariationId[]; dir: string; build: NodeBuild }> = [];
  const differs = async (subset: readonly VariationId[]): Promise<boolean> => {
    if (settings.signal?.aborted) throw new SpoolError('failed', `${formatId(entry.id)}: explanation stopped by a signal`);
    // The trial varies the clock by faketime, whatever the node's Clock: its own clock runs at the time of day like build 1's.
    const shipped = withFields(entry, [
      ['Variations', formatVaried(new Set(subset))],
      ['Clock', 'faketime'],
    ]);
    const build = await runner.build(shipped, 2);
    const dir = path.join(archive, `trial${trials.length + 1}`);
    fs.renameSync(build.results, dir);
    trials.push({ varied: subset, dir, build: { ...build, results: dir } });
    faultPoint('explain:after-trial');
    settings.progress?.(`trial ${trials.length} (${subset.length ? subset.join(', ') : 'nothing varied'}): ${build.status}`);
    // A build that fails where build 1 built is a difference too.
    return build.status !== 'built' || compareBuilds(explained.first, dir).verdict === 'unreproducible';
  };
  // The check's cause tags are hints: the variations they name are tried first (the proof is still the builds).
  const hinted = new Set(causeIds(explained.verdict.differingFiles ?? []));
  const prior = (id: VariationId) => (priorOf.get(id) ?? 1) * (hinted.has(id) ? HINT_WEIGHT : 1);
  const search = await findCulprits(varied, prior, differs, settings.explainMaxBuilds);

  // Keep build 1 (linked: the explained check may be pruned first) and the trial worth a report.
  const reported = reportedTrial(search, trials);
  fs.mkdirSync(buildDir(archive, 1));
  for (const name of fs.readdirSync(explained.first)) fs.linkSync(path.join(explained.first, name), path.join(buildDir(archive, 1), name));
  if (reported) fs.renameSync(reported.dir, buildDir(archive, 2));
  for (const trial of trials) fs.rmSync(trial.dir, { recursive: true, force: true });
  const second = reported && buildDir(archive, 2);
  const comparison = second ? compareBuilds(buildDir(archive, 1), second) : undefined;
  const pair = second && comparison ? reportPair(buildDir(archive, 1), second, comparison) : undefined;
  const report = pair ? await diffoscope(pair[0], pair[1], reportPaths(archive), settings.diffoscope) : undefined;
  const differing = report === 'written' ? differingFilesOf(reportPaths(archive).json, now) : undefined;

  const verdict = search.outcome === 'nondeterministic' ? 'nondeterministic' : 'unreproducible';
  const detail = explanationDetail(search);
  const explanation: RecordedExplanation = {
    outcome: search.outcome,
    culprits: search.culprits,
    builds: search.trials.length,
    explains: explained.verdict.date,
    trials: search.trials,
  };
  const record = resultRecord(main, entry, archive, now, { verdict, detail, notVaried: off, explanation, builds: [] });
  await commitVerdict(main, settings, lock, entry.id, archive, record, {
    ...verdictOf(entry, verdict, now),
    detail,
    notVaried: off,
    explains: explanation.explains,
    explained: explanation.outcome,
    culprits: explanation.culprits,
    explainBuilds: explanation.builds,
    differing: comparison?.differing,
    differingFiles: differing,
    diffoscope: report,
  });
  return {
    id: entry.id,
    verdict,
    detail,
    builds: reported ? [{ ...reported.build, results: buildDir(archive, 2) }] : [],
    comparison,
    diffoscope: report,
    differingFiles: differing,
    archive,
    explanation,
  };
}

/** The trial whose report explains: the first culprit built alone, or the control that differed from build 1. */
function reportedTrial<T extends { varied: readonly VariationId[] }>(search: SearchResult<VariationId>, trials: readonly T[]): T | undefined {
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));
  if (search.outcome === 'nondeterministic') return trials.find((t) => t.varied.length === 0);
  const first = search.culprits[0];
  return first ? trials.find((t) => same(t.varied, first)) : undefined;
}

function explanationDetail(search: SearchResult<VariationId>): string {
  const builds = `${search.trials.length} build${search.trials.length === 1 ? '' : 's'}`;
  switch (search.outcome) {
    case 'nondeterministic':
      return `nondeterministic: build 1's own profile gave different packages again (${builds})`;
    case 'explained':
      return `explained: ${describeCulprits(search.culprits)} (${builds})`;
    case 'unexplained':
      return `unexplained: ${search.detail} (${builds})`;
  }
}
