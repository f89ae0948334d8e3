/**
 * `build 1|2` on a node: claim the next inbox entry at once (inbox → pending, before any
 * download), fetch and verify its source, build it with the profile of this build number
 * under a timeout that ends the whole process group, and complete it into
 * reproducible-results/$NODE/. The build runs in a fresh copy of the suite's base chroot
 * (sbuild, unshare mode; see sbuild/run-sbuild.ts), or on the host for development only
 * (`"builder": "host"`). The entry lock is held and refreshed throughout; its owner
 * records the build's process group, workdir and chroot scratch directory, so after a
 * crash the reaper kills what is left, removes both and hands the entry back. A builder
 * told to stop (settings.signal) ends the running step like a timeout and hands the entry
 * back to the inbox without counting an attempt, throwing BuildAbortedError. A node
 * without the entry's base chroot hands it back without counting an attempt and fails
 * with ChrootMissingError (exit 6: the node cannot build, so main counts it against it).
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { Stanza } from '../debian/deb822.js';
import { versionWithoutEpoch } from '../debian/version.js';
import { SpoolError } from '../errors.js';
import type { DownloadOptions } from '../fetch/download.js';
import { type FetchResult, withFetchedSource } from '../fetch/source-fetch.js';
import type { BuildNumber, BuildStatus } from '../spool/build-status.js';
import { ensureDirInside } from '../durable/atomic.js';
import { type Entry, attemptOf } from '../spool/entry.js';
import { faultPoint } from '../durable/fault.js';
import { type EntryId, formatId } from '../spool/identity.js';
import type { EntryLock } from '../spool/lock.js';
import { processStart } from '../durable/process-identity.js';
import { BUILD_LOG } from '../spool/layout.js';
import type { Spool } from '../spool/spool.js';
import { claim } from '../spool/transitions/claim.js';
import { complete } from '../spool/transitions/complete.js';
import { requeue } from '../spool/transitions/requeue.js';
import { ChrootMissingError, type ChrootTarball, requireTarball } from '../chroot/tarballs.js';
import { buildCommand } from './build-command.js';
import { type BuilderKind, CLOCK_MODES, type ClockMode } from './modes.js';
import { type GroupResult, type Spawner, runInGroup } from '../process/group.js';
import { logTail } from './log-follower.js';
import { isBuildProduct } from './compare.js';
import { type BuildFacts, signBuildLink } from '../trust/build-link.js';
import { KeyDir } from '../trust/keys.js';
import { REBUILD_LINK } from '../trust/link.js';
import { runSbuild } from './sbuild/run-sbuild.js';
import { aptUpdateOf } from './sbuild/apt-update.js';
import { STAGE_SECONDS_FIELD, type StageSeconds, StageTimer, formatStageSeconds, stageOfSbuildHeader } from './stages.js';
import { type BuildProfile, DISORDERFS_SKIPPED, type Varied, buildProfile, recordedVariations } from './variations.js';
import { parseVaried } from './variation-spec.js';
import { cpuAffinity, personalityPrefix } from './personality.js';
import { disorderfsUnusable, mountDisorderfs, unmountDisorderfs, unmountUnder } from './disorderfs.js';

export interface ChrootSettings {
  /** Where the base chroot tarballs are. */
  readonly dir: string;
  readonly extraRepositories: readonly string[];
  /**
   * Where each sbuild build keeps what its namespace must reach (the chroot copy, the
   * scripts and the apt archives mounted into it): a directory every user can search,
   * outside the spool, so that a spool in a 0700 home builds.
   */
  readonly unpackDir: string;
  /** The node's shared apt archive cache; undefined: none. */
  readonly aptCache?: string;
  /** A build skips apt's update while the base chroot is younger than this (0: never skips); see aptUpdateOf. */
  readonly aptUpdateMaxAgeMs: number;
  /** Skip setup work nobody reads (sbuild/scripts.ts). */
  readonly quickSetup: boolean;
}

export interface BuilderSettings {
  readonly builder: BuilderKind;
  readonly chroots: ChrootSettings;
  /** This node's clock variation, unless the entry's Clock field (set by main) says otherwise. */
  readonly clock: ClockMode;
  /** Progress of long steps, for people (stderr). */
  readonly progress?: (message: string) => void;
  readonly mirror: string;
  readonly download: DownloadOptions & { readonly dscMaxBytes: number };
  readonly buildTimeoutMs: number;
  readonly killGraceMs: number;
  readonly spawner?: Spawner;
  /** Aborted when the builder must stop (the watch agent's SIGTERM): the entry goes back, uncompleted. */
  readonly signal?: AbortSignal;
}

/** The build was stopped on request and its entry handed back to the inbox: nothing failed, nothing was lost. */
export class BuildAbortedError extends SpoolError {
  constructor(readonly id: EntryId) {
    super('failed', `${formatId(id)}: stopped before it finished; handed back to the inbox`);
    this.name = 'BuildAbortedError';
  }
}

export interface NodeBuild {
  readonly id: EntryId;
  readonly node: string;
  readonly buildNumber: BuildNumber;
  readonly status: BuildStatus;
  readonly results: string;
  readonly durationSeconds: number;
  /** Where that time went, as the result file says. */
  readonly stageSeconds?: StageSeconds;
}

interface Outcome {
  readonly status: BuildStatus;
  readonly exitCode: number | null;
  readonly files: Record<string, { copyFrom: string } | string>;
  readonly applied: Stanza;
  /** For depwait: the build dependencies that cannot be satisfied. */
  readonly unsatisfiable?: string;
}

/** The build could not run for reasons that are not the package's (apt could not fetch, sbuild could not make a session…). */
class InfrastructureFailure extends Error {}

/**
 * Results of this entry that are still here when main ships it again belong to an attempt
 * main gave up on (main ships an entry only while it holds the entry's lock, after taking
 * the last results away): they would make this build's completion fail. Called under the
 * entry's lock.
 */
function discardStaleResults(spool: Spool, node: string, id: EntryId, settings: BuilderSettings): void {
  const stale = spool.layout.resultsPath(node, id);
  if (!fs.existsSync(stale)) return;
  fs.rmSync(stale, { recursive: true, force: true });
  settings.progress?.(`removed results of an earlier, abandoned attempt at ${formatId(id)}`);
}

/** Builds the next entry of node's inbox (or only the given one); undefined when there is none. */
export async function buildNext(
  spool: Spool,
  node: string,
  buildNumber: BuildNumber,
  settings: BuilderSettings,
  only?: EntryId,
): Promise<NodeBuild | undefined> {
  const taken = await claim(spool, { node, ...(only && { suite: only.suite, arch: only.arch, pkg: only.pkg, version: only.version }) });
  if (!taken) return undefined;
  const { entry, lock } = taken;
  discardStaleResults(spool, node, entry.id, settings);
  // The host builder builds inside its workdir: a name of the entry alone (this node builds an
  // entry once at a time, under its lock), so that builds of it on this node share their
  // build path and differ only where the profile says (explain's trials would all differ else).
  const workdir =
    settings.builder === 'host'
      ? path.join(spool.layout.root, 'build', `host-${entry.id.suite}_${entry.id.arch}_${entry.id.pkg}_${entry.id.version}`)
      : path.join(spool.layout.root, 'build', `${buildNumber}-${lock.token}`);
  fs.rmSync(workdir, { recursive: true, force: true }); // a killed build's, if the reaper has not been yet
  // Recorded before it exists: a crash right after mkdir still leaves it to the reaper.
  const scratch = settings.builder === 'sbuild' ? path.join(settings.chroots.unpackDir, `repro-spool-${lock.token}`) : undefined;
  lock.update({ workdir, scratch });
  ensureDirInside(spool.layout.root, workdir);
  const started = new Date(spool.clock.now());
  const stages = new StageTimer(spool.clock, started.getTime());
  try {
    const dscPath = entry.fields.get('Dsc-Url');
    if (!dscPath) throw new SpoolError('integrity', `${formatId(entry.id)} has no Dsc-Url: it cannot say where its source is`);
    const logFile = path.join(workdir, 'build.log');
    let tarball: ChrootTarball | undefined;
    if (settings.builder === 'sbuild') {
      try {
        tarball = requireTarball(settings.chroots.dir, entry.id.suite, entry.id.arch);
      } catch (error) {
        if (error instanceof ChrootMissingError) await requeue(spool, lock, entry.id, error.message, { countsAsAttempt: false });
        throw error;
      }
    }
    const clock = clockOf(entry, settings);
    const varied = parseVaried(entry.fields.get('Variations'), `the Variations of ${formatId(entry.id)}`);
    // The build's in-toto link, signed by this node's key (made on first use); never by anything main sent.
    const keys = new KeyDir(spool.layout);
    const sign = (built: Outcome, source: BuildFacts['source']): string =>
      signBuildLink(
        {
          id: entry.id,
          node,
          buildNumber,
          status: built.status,
          dscSha256: entry.fields.get('Dsc-Sha256') ?? '',
          source,
          variations: built.applied,
          chroot: tarball,
        },
        built.files,
        keys.signingKey(),
        keys.endorsement(),
      );
    let outcome: (Outcome & { readonly link: string }) | 'unreachable';
    try {
      outcome = await withFetchedSource(
        spool,
        settings.mirror,
        { dscPath, dscSha256: entry.fields.get('Dsc-Sha256')! },
        { ...settings.download, signal: settings.signal },
        async (fetched) => {
          if (fetched.outcome !== 'fetched') {
            const failure = await fetchFailure(fetched, logFile);
            return failure === 'unreachable' ? failure : { ...failure, link: sign(failure, undefined) };
          }
          const built = tarball
            ? await buildInChroot(
                entry,
                fetched,
                lock,
                { tarball, workdir, scratch: scratch!, logFile, buildNumber, clock, varied, stages, startedMs: started.getTime() },
                settings,
              )
            : await buildOnHost(entry, fetched, lock, { workdir, logFile, buildNumber, clock, varied, stages }, settings);
          // Signed here, while the fetched source (the link's materials) is still there: it goes when this returns.
          return { ...built, link: sign(built, { dscFile: fetched.dscFile, files: fetched.dsc.files.map((f) => f.name) }) };
        },
      );
    } catch (error) {
      if (settings.signal?.aborted) throw error;
      if (error instanceof InfrastructureFailure) {
        await requeue(spool, lock, entry.id, error.message);
        throw new SpoolError('failed', `${formatId(entry.id)}: ${error.message}; handed back to the inbox`);
      }
      // The node is set up wrongly (a directory the build cannot reach…): not the package's failure.
      if (error instanceof SpoolError && error.kind === 'usage') await requeue(spool, lock, entry.id, error.message, { countsAsAttempt: false });
      throw error;
    }
    // Before judging the outcome: a step ended by the abort looks like a failure, and a
    // download cut short (or never started) by the stop is no fault of the mirror's.
    if (settings.signal?.aborted) {
      await requeue(spool, lock, entry.id, 'builder stopped', { countsAsAttempt: false });
      throw new BuildAbortedError(entry.id);
    }
    if (outcome === 'unreachable') {
      await requeue(spool, lock, entry.id, 'mirror unreachable');
      throw new SpoolError('unreachable', `the mirror ${settings.mirror} is unreachable; ${formatId(entry.id)} goes back to the inbox`);
    }
    const finishedMs = spool.clock.now();
    const durationSeconds = (finishedMs - started.getTime()) / 1000;
    const stageSeconds = stages.secondsUntil(finishedMs);
    faultPoint('build:before-complete');
    const results = await complete(spool, lock, {
      id: entry.id,
      status: outcome.status,
      fields: [
        ['Build-Number', buildNumber],
        ['Start', started.toISOString()],
        ['Duration', durationSeconds.toFixed(3)],
        [STAGE_SECONDS_FIELD, formatStageSeconds(stageSeconds)],
        ['Exit-Code', outcome.exitCode ?? 'none'],
        ['Dsc-Sha256', entry.fields.get('Dsc-Sha256')],
        ['Unsatisfiable', outcome.unsatisfiable],
      ],
      files: {
        ...outcome.files,
        variations: outcome.applied.toString(),
        [REBUILD_LINK]: outcome.link,
        [BUILD_LOG]: zlib.gzipSync(fs.existsSync(logFile) ? fs.readFileSync(logFile) : ''),
      },
    });
    return { id: entry.id, node, buildNumber, status: outcome.status, results, durationSeconds, stageSeconds };
  } finally {
    await lock.release();
    if (settings.builder === 'host') unmountUnder(workdir); // a disorderfs mount left up by a step that threw (removing through it would fail)
    fs.rmSync(workdir, { recursive: true, force: true });
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The entry's Clock (main sets it from its configuration of the node), else this node's own setting. */
function clockOf(entry: Entry, settings: BuilderSettings): ClockMode {
  const given = entry.fields.get('Clock');
  if (given === undefined) return settings.clock;
  if (!(CLOCK_MODES as readonly string[]).includes(given)) {
    throw new SpoolError('integrity', `${formatId(entry.id)} has Clock ${JSON.stringify(given)}: expected one of ${CLOCK_MODES.join(', ')}`);
  }
  return given as ClockMode;
}

/** The faketime offset this build applies, if any: only build 2 varies the clock, and only a node in faketime mode fakes it. */
function fakedClock(profile: BuildProfile, clock: ClockMode): string | undefined {
  return clock === 'faketime' ? profile.faketime : undefined;
}

function clockApplied(profile: BuildProfile, clock: ClockMode): string | undefined {
  if (profile.faketime === undefined) return undefined;
  if (clock === 'faketime') return `faketime ${profile.faketime}`;
  return clock === 'node' ? "the node's own clock (run ahead by its operator)" : 'off';
}

/** Where one build runs and what it varies. */
interface BuildPlaces {
  readonly workdir: string;
  readonly logFile: string;
  readonly buildNumber: BuildNumber;
  readonly clock: ClockMode;
  readonly varied: Varied;
  readonly stages: StageTimer;
}

interface ChrootBuildPlaces extends BuildPlaces {
  readonly tarball: ChrootTarball;
  readonly scratch: string;
  /** When the build began (the spool's clock). */
  readonly startedMs: number;
}

async function buildInChroot(
  entry: Entry,
  fetched: Extract<FetchResult, { outcome: 'fetched' }>,
  lock: EntryLock,
  places: ChrootBuildPlaces,
  settings: BuilderSettings,
): Promise<Outcome> {
  const profile = buildProfile(places.buildNumber, entry.id.arch, undefined, places.varied);
  const affinity = cpuAffinity(profile);
  const { tarball } = places;
  const upstream = upstreamOf(entry.id.version);
  const label = `build ${places.buildNumber} of ${entry.id.pkg} ${entry.id.version}`;
  settings.progress?.(`${label}: sbuild in a fresh copy of ${path.basename(tarball.path)}`);
  const result = await runSbuild({
    tarball,
    dscFile: fetched.dscFile,
    pkg: entry.id.pkg,
    upstreamVersion: upstream,
    profile,
    wrappers: [...affinity.prefix, ...personalityPrefix(profile)],
    clock: fakedClock(profile, places.clock),
    workdir: path.join(places.workdir, 'sbuild'),
    unpackDir: places.scratch,
    aptCache: settings.chroots.aptCache,
    extraRepositories: settings.chroots.extraRepositories,
    aptUpdate: aptUpdateOf({
      nowMs: places.startedMs,
      chrootCreatedMs: tarball.created.getTime(),
      maxAgeMs: settings.chroots.aptUpdateMaxAgeMs,
      extraRepositories: settings.chroots.extraRepositories.length,
      attempt: attemptOf(entry),
    }),
    quickSetup: settings.chroots.quickSetup,
    logFile: places.logFile,
    timeoutMs: settings.buildTimeoutMs,
    killGraceMs: settings.killGraceMs,
    signal: settings.signal,
    spawner: settings.spawner,
    onStart: (pgid) => lock.update({ pgid, pgidStart: processStart(pgid) }),
    onStage: (header) => {
      const stage = stageOfSbuildHeader(header);
      if (stage) places.stages.enter(stage);
      settings.progress?.(`${label}: ${header.toLowerCase()}`);
    },
  });
  places.stages.enter('package');
  const applied = Stanza.of([
    ...result.applied,
    ...recordedVariations(profile, {
      skipped: { ...(affinity.skipped && { cpus: affinity.skipped }), ...(profile.disorderfs && { disorderfs: DISORDERFS_SKIPPED }) },
      clock: clockApplied(profile, places.clock),
      buildPath: profile.sourceDir('/build', entry.id.pkg, upstream),
      cpus: affinity.recorded,
    }),
  ]);
  const { verdict, run } = result;
  if (run.timedOut) return { status: 'timeout', exitCode: run.exitCode, files: {}, applied };
  switch (verdict.kind) {
    case 'built':
      return { status: 'built', exitCode: 0, files: buildOutputs(result.outDir), applied };
    case 'depwait':
      return { status: 'depwait', exitCode: run.exitCode, files: {}, applied, unsatisfiable: verdict.unsatisfiable.join(', ') };
    case 'FTBFS':
    case 'not-for-us':
      return { status: verdict.kind, exitCode: run.exitCode, files: {}, applied };
    case 'infrastructure': {
      if (settings.signal?.aborted) return { status: 'FTBFS', exitCode: run.exitCode, files: {}, applied }; // judged as aborted by the caller
      throw new InfrastructureFailure(`sbuild failed at stage ${verdict.stage} (not the package's doing):\n  ${logTail(places.logFile, 6)}`);
    }
  }
}

/** What a build leaves that goes into its results: the packages, the .buildinfo and the .changes. */
function buildOutputs(dir: string): Outcome['files'] {
  const files: Outcome['files'] = {};
  for (const name of fs.readdirSync(dir)) {
    if (isBuildProduct(name)) files[name] = { copyFrom: path.join(dir, name) };
  }
  return files;
}

function upstreamOf(version: string): string {
  return versionWithoutEpoch(version).replace(/-[^-]*$/, '');
}

async function fetchFailure(fetched: Exclude<FetchResult, { outcome: 'fetched' }>, logFile: string): Promise<Outcome | 'unreachable'> {
  if (fetched.outcome === 'unreachable') return 'unreachable';
  fs.appendFileSync(logFile, `source fetch: ${fetched.outcome}: ${fetched.detail}\n`);
  return { status: fetched.outcome, exitCode: null, files: {}, applied: new Stanza() };
}

/** Development only ("builder": "host"): dpkg-buildpackage on this machine, with its installed packages and as this user. */
async function buildOnHost(
  entry: Entry,
  fetched: Extract<FetchResult, { outcome: 'fetched' }>,
  lock: EntryLock,
  places: BuildPlaces,
  settings: BuilderSettings,
): Promise<Outcome> {
  const { workdir, logFile, clock } = places;
  const profile = buildProfile(places.buildNumber, entry.id.arch, undefined, places.varied);
  const upstream = upstreamOf(entry.id.version);
  const sourceDir = profile.sourceDir(workdir, entry.id.pkg, upstream);
  fs.mkdirSync(path.dirname(sourceDir), { recursive: true });
  // disorderfs: the tree is unpacked aside and mounted, shuffled, at the build path.
  const disorderfsSkipped = profile.disorderfs ? disorderfsUnusable() : undefined;
  const shuffled = profile.disorderfs && disorderfsSkipped === undefined;
  const tree = shuffled ? path.join(workdir, 'disorderfs-root', path.basename(sourceDir)) : sourceDir;
  fs.mkdirSync(path.dirname(tree), { recursive: true });
  const step = (command: string, args: string[], cwd: string, env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C' }) =>
    runInGroup(
      {
        command,
        args,
        cwd,
        env,
        logFile,
        timeoutMs: settings.buildTimeoutMs,
        killGraceMs: settings.killGraceMs,
        signal: settings.signal,
        onStart: (pgid) => lock.update({ pgid, pgidStart: processStart(pgid) }),
      },
      settings.spawner,
    );
  const failed = (status: BuildStatus, run: GroupResult): Outcome => ({
    status: run.timedOut ? 'timeout' : status,
    exitCode: run.exitCode,
    files: {},
    applied: new Stanza(),
  });

  const unpack = await step('dpkg-source', ['--no-check', '-x', fetched.dscFile, tree], path.dirname(tree));
  if (unpack.exitCode !== 0) return failed('FTBFS', unpack);
  places.stages.enter('install');
  const deps = await step('dpkg-checkbuilddeps', [], tree);
  if (deps.exitCode !== 0) {
    const unmet = /Unmet build dependencies: (.+)$/m.exec(fs.readFileSync(logFile, 'utf8'))?.[1]?.trim();
    return { ...failed('depwait', deps), unsatisfiable: unmet };
  }
  const { command, args, skipped, cpus } = buildCommand(profile, fakedClock(profile, clock));
  if (shuffled) mountDisorderfs(tree, sourceDir);
  let build: GroupResult;
  try {
    if (shuffled) faultPoint('build:after-disorderfs-mount');
    faultPoint('build:before-dpkg-buildpackage');
    places.stages.enter('build');
    build = await step(command, args, sourceDir, { ...profile.env });
  } finally {
    if (shuffled) unmountDisorderfs(sourceDir);
  }
  places.stages.enter('package');
  const variations = Stanza.of([
    ['Builder', 'host (no isolation: development only)'],
    ...recordedVariations(profile, {
      skipped: { ...skipped, ...(disorderfsSkipped && { disorderfs: disorderfsSkipped }) },
      clock: clockApplied(profile, clock),
      buildPath: path.relative(workdir, sourceDir),
      cpus,
    }),
  ]);
  if (build.timedOut || build.exitCode !== 0) return { ...failed('FTBFS', build), applied: variations };
  return { status: 'built', exitCode: 0, files: buildOutputs(path.dirname(sourceDir)), applied: variations };
}
