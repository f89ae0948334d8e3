/**
 * The local two-build check ("called without param: behave as always"): both builds on
 * this machine, through the same spool and state machine as the remote case. The main
 * spool picks the entry for local1 (the job's lock is held throughout), ships it to the
 * node spool $ROOT/nodes/local1 (the local transport), the node builds it as `build 1`
 * would, the results are fetched back, the entry advances to local2 for build 2, and the
 * main node compares, archives the artifacts, records the verdict, and removes the entry.
 * A crash leaves the entry in an outbox with a dead job: the reaper puts it back in
 * scheduled/, and the next run clears what the dead run left on the node spools.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Stanza } from '../debian/deb822.js';
import { SpoolError } from '../errors.js';
import { copyDurable, ensureDirInside, fsyncDir, tempPath, writeFileAtomic } from '../spool/atomic.js';
import { type Entry, formatEntry, withFields } from '../spool/entry.js';
import { faultPoint } from '../spool/fault.js';
import { type EntryId, formatId } from '../spool/identity.js';
import { nodePlace } from '../spool/layout.js';
import type { EntryLock } from '../spool/lock.js';
import { locate } from '../spool/read-entry.js';
import { type Spool, openSpool } from '../spool/spool.js';
import { advance } from '../spool/transitions/advance.js';
import { reap } from '../spool/reaper/reap.js';
import { pick } from '../spool/transitions/pick.js';
import { requeue } from '../spool/transitions/requeue.js';
import type { BuildRow, Verdict } from '../store/records.js';
import type { Store } from '../store/store.js';
import { type BuilderSettings, type NodeBuild, buildNext } from './build-node.js';
import { type Comparison, compareBuilds } from './compare.js';
import { type DiffoscopeOutcome, type DiffoscopeSettings, diffoscope } from './diffoscope.js';
import type { BuildNumber } from './variations.js';

export const LOCAL_NODES = ['local1', 'local2'] as const;

export interface LocalCheckRequest {
  readonly suite?: string;
  readonly arch?: string;
  readonly pkg?: string;
}

export interface LocalVerdict {
  readonly id: EntryId;
  readonly verdict: Verdict;
  readonly builds: NodeBuild[];
  readonly comparison?: Comparison;
  readonly diffoscope?: DiffoscopeOutcome;
  readonly archive: string;
}

export interface LocalCheckSettings extends BuilderSettings {
  readonly store: Store;
  readonly diffoscope: DiffoscopeSettings;
}

export function localNodeSpool(main: Spool, node: string): Spool {
  return openSpool(path.join(main.layout.root, 'nodes', node), main.thresholds, main.clock);
}

/** Checks the next scheduled entry (of pkg, if given); undefined when nothing is scheduled. */
export async function localCheck(main: Spool, settings: LocalCheckSettings, request: LocalCheckRequest): Promise<LocalVerdict | undefined> {
  const taken = await pick(main, { node: LOCAL_NODES[0], suite: request.suite, arch: request.arch, pkg: request.pkg, job: 'local' });
  if (!taken) return undefined;
  const { lock } = taken;
  let entry = taken.entry;
  try {
    await clearLeftovers(main, entry.id);
    const builds: NodeBuild[] = [];
    for (const buildNumber of [1, 2] as const) {
      const node = LOCAL_NODES[buildNumber - 1]!;
      if (buildNumber === 2) entry = advance(main, lock, entry, LOCAL_NODES[0], node);
      const build = await buildOnNode(main, node, entry, buildNumber, settings);
      builds.push(build);
      faultPoint(`local:after-build-${buildNumber}`);
      if (build.status !== 'built') break;
    }
    return await conclude(main, settings, lock, entry, builds);
  } catch (error) {
    // The check could not finish (mirror down, disk full…): hand the entry back, Attempt+1.
    await requeue(main, lock, entry.id, `local check failed: ${(error as Error).message}`);
    throw error;
  } finally {
    await lock.release();
  }
}

/** Ship (local transport), build on the node spool, fetch the results into the main spool. */
async function buildOnNode(main: Spool, node: string, entry: Entry, buildNumber: BuildNumber, settings: BuilderSettings): Promise<NodeBuild> {
  const nodeSpool = localNodeSpool(main, node);
  const shipped = withFields(entry, [['Node', node], ['Build-Number', String(buildNumber)]]);
  writeFileAtomic(nodeSpool.layout, nodeSpool.layout.entryPath(nodePlace(node), entry.id), formatEntry(shipped), { noReplace: true });
  const build = await buildNext(nodeSpool, node, buildNumber, { ...settings });
  if (!build) throw new SpoolError('failed', `${formatId(entry.id)} vanished from ${node}'s inbox before it was built`);
  const fetched = main.layout.resultsPath(node, entry.id);
  copyTree(main, build.results, fetched);
  fs.rmSync(build.results, { recursive: true, force: true });
  return { ...build, results: fetched };
}

async function conclude(main: Spool, settings: LocalCheckSettings, lock: EntryLock, entry: Entry, builds: NodeBuild[]): Promise<LocalVerdict> {
  const now = new Date(main.clock.now());
  const archive = path.join(main.layout.root, 'archive', entry.id.suite, entry.id.arch, entry.id.pkg, entry.id.version, now.toISOString().replace(/[:.]/g, '-'));
  ensureDirInside(main.layout.root, archive);
  const [first, second] = builds as [NodeBuild, NodeBuild | undefined];
  let comparison: Comparison | undefined;
  let report: DiffoscopeOutcome | undefined;
  let verdict: Verdict;
  // Build 2 runs only after a successful build 1; a failed build is the verdict itself.
  if (first.status !== 'built') verdict = first.status;
  else if (!second) throw new SpoolError('failed', `${formatId(entry.id)}: build 2 did not run`);
  else if (second.status !== 'built') verdict = second.status;
  else {
    comparison = compareBuilds(first.results, second.results);
    verdict = comparison.verdict;
    const pair = comparison.differing[0];
    if (pair) report = await diffoscope(path.join(first.results, pair), path.join(second.results, pair), archive, settings.diffoscope);
  }
  const rows = builds.map(buildRow);
  for (const build of builds) fs.renameSync(build.results, path.join(archive, `build${build.buildNumber}`));
  writeFileAtomic(main.layout, path.join(archive, 'verdict'), verdictStanza(entry, verdict, comparison, report, now).toString(), { noReplace: true });
  fsyncDir(archive);
  await settings.store.record([{ kind: 'result', source: { name: entry.id.pkg, version: entry.id.version, suite: entry.id.suite, architecture: entry.id.arch }, verdict, buildDate: now.toISOString(), builds: rows }]);
  faultPoint('local:before-remove');
  lock.assertHeld();
  for (const location of locate(main.layout, entry.id)) fs.unlinkSync(location.path);
  return { id: entry.id, verdict, builds: builds.map((b) => ({ ...b, results: path.join(archive, `build${b.buildNumber}`) })), comparison, diffoscope: report, archive };
}

function verdictStanza(entry: Entry, verdict: Verdict, comparison: Comparison | undefined, report: DiffoscopeOutcome | undefined, now: Date): Stanza {
  return Stanza.of([
    ['Source', entry.id.pkg],
    ['Version', entry.id.version],
    ['Suite', entry.id.suite],
    ['Architecture', entry.id.arch],
    ['Verdict', verdict],
    ['Date', now.toISOString()],
    ['Differing', comparison?.differing.join(' ') || undefined],
    ['Only-In-Build-1', comparison?.onlyInFirst.join(' ') || undefined],
    ['Only-In-Build-2', comparison?.onlyInSecond.join(' ') || undefined],
    ['Environment-Changed', comparison?.environmentChanged.length ? `yes\n${comparison.environmentChanged.join('\n')}` : undefined],
    ['Diffoscope', report],
  ]);
}

function buildRow(build: NodeBuild): BuildRow {
  const result = fs.readFileSync(path.join(build.results, 'result'), 'utf8');
  const exit = /^Exit-Code: ([0-9]+)$/m.exec(result)?.[1];
  const start = /^Start: (\S+)$/m.exec(result)?.[1] ?? new Date().toISOString();
  return { buildNumber: build.buildNumber, node: build.node, job: 'local', startedAt: start, durationSeconds: build.durationSeconds, exitCode: exit === undefined ? null : Number(exit), status: build.status };
}

/**
 * A dead earlier run may have left this entry on the node spools (with a dead build's
 * lock, process group and workdir) and fetched results on main. Each local node's own
 * reaper repairs its spool first (in local mode nothing else runs it); then the entry's
 * copies there are the dead run's and go.
 */
async function clearLeftovers(main: Spool, id: EntryId): Promise<void> {
  for (const node of LOCAL_NODES) {
    const nodeSpool = localNodeSpool(main, node);
    if (fs.existsSync(nodeSpool.layout.root)) await reap(nodeSpool);
    for (const location of locate(nodeSpool.layout, id)) fs.unlinkSync(location.path);
    fs.rmSync(nodeSpool.layout.resultsPath(node, id), { recursive: true, force: true });
    fs.rmSync(main.layout.resultsPath(node, id), { recursive: true, force: true });
  }
}

/** Copies a results directory into the main spool: staged in tmp/, renamed into place whole. */
function copyTree(main: Spool, source: string, target: string): void {
  ensureDirInside(main.layout.root, main.layout.tmpDir);
  const staging = tempPath(main.layout.tmpDir, 'fetch');
  fs.mkdirSync(staging);
  try {
    for (const name of fs.readdirSync(source)) copyDurable(path.join(source, name), path.join(staging, name));
    fsyncDir(staging);
    ensureDirInside(main.layout.root, path.dirname(target));
    fs.renameSync(staging, target);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}
