/**
 * `build 1|2` on a node (the seed's step 6): claim the next inbox entry at once (inbox →
 * pending, before any download), fetch and verify its source, build it with the profile
 * of this build number under a timeout that ends the whole process group, and complete
 * it into reproducible-results/$NODE/. The entry lock is held and refreshed throughout;
 * its owner records the build's process group and workdir, so after a crash the reaper
 * kills what is left, removes the workdir and hands the entry back. A builder told to
 * stop (settings.signal) ends the running step like a timeout and hands the entry back to
 * the inbox without counting an attempt, throwing BuildAbortedError.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { Stanza } from '../debian/deb822.js';
import { versionWithoutEpoch } from '../debian/version.js';
import { SpoolError } from '../errors.js';
import type { DownloadOptions } from '../fetch/download.js';
import { type FetchResult, withFetchedSource } from '../fetch/source-fetch.js';
import type { BuildStatus } from '../spool/build-status.js';
import { ensureDirInside } from '../spool/atomic.js';
import type { Entry } from '../spool/entry.js';
import { faultPoint } from '../spool/fault.js';
import { type EntryId, formatId } from '../spool/identity.js';
import type { EntryLock } from '../spool/lock.js';
import { processStart } from '../spool/process-identity.js';
import type { Spool } from '../spool/spool.js';
import { claim } from '../spool/transitions/claim.js';
import { complete } from '../spool/transitions/complete.js';
import { requeue } from '../spool/transitions/requeue.js';
import { buildCommand } from './build-command.js';
import { type GroupResult, type Spawner, runInGroup } from './process-group.js';
import { type BuildNumber, buildProfile } from './variations.js';

export interface BuilderSettings {
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
}

interface Outcome {
  readonly status: BuildStatus;
  readonly exitCode: number | null;
  readonly files: Record<string, { copyFrom: string } | string>;
  readonly applied: Stanza;
}

/** Builds the next entry of node's inbox (or only the given one); undefined when there is none. */
export async function buildNext(spool: Spool, node: string, buildNumber: BuildNumber, settings: BuilderSettings, only?: EntryId): Promise<NodeBuild | undefined> {
  const taken = await claim(spool, { node, ...(only && { suite: only.suite, arch: only.arch, pkg: only.pkg, version: only.version }) });
  if (!taken) return undefined;
  const { entry, lock } = taken;
  const workdir = path.join(spool.layout.root, 'build', `${buildNumber}-${lock.token}`);
  ensureDirInside(spool.layout.root, workdir);
  lock.update({ workdir });
  const started = new Date(spool.clock.now());
  try {
    const dscPath = entry.fields.get('Dsc-Url');
    if (!dscPath) throw new SpoolError('integrity', `${formatId(entry.id)} has no Dsc-Url: it cannot say where its source is`);
    const logFile = path.join(workdir, 'build.log');
    const outcome = await withFetchedSource(spool, settings.mirror, { dscPath, dscSha256: entry.fields.get('Dsc-Sha256')! }, { ...settings.download, signal: settings.signal }, (fetched) =>
      fetched.outcome === 'fetched' ? buildFetched(entry, fetched, lock, workdir, logFile, buildNumber, settings) : fetchFailure(fetched, logFile),
    );
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
    const durationSeconds = (spool.clock.now() - started.getTime()) / 1000;
    faultPoint('build:before-complete');
    const results = await complete(spool, lock, {
      id: entry.id,
      status: outcome.status,
      fields: [
        ['Build-Number', buildNumber],
        ['Start', started.toISOString()],
        ['Duration', durationSeconds.toFixed(3)],
        ['Exit-Code', outcome.exitCode ?? 'none'],
        ['Dsc-Sha256', entry.fields.get('Dsc-Sha256')],
      ],
      files: { ...outcome.files, variations: outcome.applied.toString(), 'build.log.gz': zlib.gzipSync(fs.existsSync(logFile) ? fs.readFileSync(logFile) : '') },
    });
    return { id: entry.id, node, buildNumber, status: outcome.status, results, durationSeconds };
  } finally {
    await lock.release();
    fs.rmSync(workdir, { recursive: true, force: true });
  }
}

async function fetchFailure(fetched: Exclude<FetchResult, { outcome: 'fetched' }>, logFile: string): Promise<Outcome | 'unreachable'> {
  if (fetched.outcome === 'unreachable') return 'unreachable';
  fs.appendFileSync(logFile, `source fetch: ${fetched.outcome}: ${fetched.detail}\n`);
  return { status: fetched.outcome, exitCode: null, files: {}, applied: new Stanza() };
}

async function buildFetched(
  entry: Entry,
  fetched: Extract<FetchResult, { outcome: 'fetched' }>,
  lock: EntryLock,
  workdir: string,
  logFile: string,
  buildNumber: BuildNumber,
  settings: BuilderSettings,
): Promise<Outcome> {
  const profile = buildProfile(buildNumber, entry.id.arch);
  const upstream = versionWithoutEpoch(entry.id.version).replace(/-[^-]*$/, '');
  const sourceDir = profile.sourceDir(workdir, entry.id.pkg, upstream);
  fs.mkdirSync(path.dirname(sourceDir), { recursive: true });
  const step = (command: string, args: string[], cwd: string, env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C' }) =>
    runInGroup(
      { command, args, cwd, env, logFile, timeoutMs: settings.buildTimeoutMs, killGraceMs: settings.killGraceMs, signal: settings.signal, onStart: (pgid) => lock.update({ pgid, pgidStart: processStart(pgid) }) },
      settings.spawner,
    );
  const failed = (status: BuildStatus, run: GroupResult): Outcome => ({ status: run.timedOut ? 'timeout' : status, exitCode: run.exitCode, files: {}, applied: new Stanza() });

  const unpack = await step('dpkg-source', ['--no-check', '-x', fetched.dscFile, sourceDir], path.dirname(sourceDir));
  if (unpack.exitCode !== 0) return failed('FTBFS', unpack);
  const deps = await step('dpkg-checkbuilddeps', [], sourceDir);
  if (deps.exitCode !== 0) return failed('depwait', deps);
  const { command, args, applied } = buildCommand(profile);
  faultPoint('build:before-dpkg-buildpackage');
  const build = await step(command, args, sourceDir, { ...profile.env });
  const variations = Stanza.of(applied.map((a) => [a.name, a.value] as const));
  variations.set('Build-Path', path.relative(workdir, sourceDir));
  if (build.timedOut || build.exitCode !== 0) return { ...failed('FTBFS', build), applied: variations };
  const files: Outcome['files'] = {};
  for (const name of fs.readdirSync(path.dirname(sourceDir))) {
    if (/\.(deb|udeb|buildinfo|changes)$/.test(name)) files[name] = { copyFrom: path.join(path.dirname(sourceDir), name) };
  }
  return { status: 'built', exitCode: 0, files, applied: variations };
}
