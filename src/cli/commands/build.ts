import { describeVersusArchive } from '../../archive/versus-archive.js';
import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { SpoolError } from '../../errors.js';
import { buildNext } from '../../builder/build-node.js';
import type { CheckSettings, CheckVerdict } from '../../builder/check.js';
import { type LoopLimits, checkRepeatedly } from '../check-loop.js';
import { describeDifferingFile } from '../../builder/diffoscope-report.js';
import { localCheck } from '../../builder/local-check.js';
import { ensureChroot } from './chroot.js';
import { type RejectedStanza, parseSourcesIndex } from '../../debian/sources-index.js';
import { reportRejected } from './sources-import.js';
import { formatId } from '../../spool/identity.js';
import { SCHEDULED } from '../../spool/layout.js';
import { validateName, validatePackageName, validateVersion } from '../../spool/names.js';
import { remoteCheck, resolvePair } from '../../remote/remote-check.js';
import { fetchSourcesIndex } from '../../schedule/index-fetch.js';
import { schedule } from '../../schedule/schedule.js';
import { importSources } from '../../store/catalogue.js';
import { listEntries } from '../../spool/inspect.js';
import { builderSettings, parseEntryId, stopOnSignal } from '../node-build.js';
import {
  type CommandContext,
  archOf,
  blacklistOf,
  contextOf,
  indexTrustOf,
  mirrorOf,
  nodeName,
  requesterOf,
  storeOf,
  suiteOf,
  verdictEventsOf,
} from '../context.js';
import { forPeople } from '../output.js';
import { type Varied, notVaried, variationTable } from '../../builder/variations.js';
import { applySpec, formatVaried } from '../../builder/variation-spec.js';
import { type BuildNumber, parseBuildNumber } from '../../spool/build-status.js';
import { stagesOf } from '../../builder/stages.js';

interface Options {
  suite?: string;
  arch?: string;
  node?: string;
  job?: string;
  entry?: string;
  vary?: string;
  dryRun?: boolean;
  maxChecks?: number;
  for?: number;
}

/** --max-checks / --for: checks one after another in this process (check-loop.ts); without them, one check as ever. */
function loopLimitsOf(options: Options): LoopLimits | undefined {
  if (options.maxChecks === undefined && options.for === undefined) return undefined;
  return { maxChecks: options.maxChecks ?? Infinity, ...(options.for !== undefined && { forMs: options.for * 1000 }) };
}

/** What build 2 of this command's checks varies: the configuration's choice changed by --vary. */
function variedOf(ctx: CommandContext, options: Options): Varied {
  return options.vary === undefined ? ctx.settings.build.varied : applySpec(ctx.settings.build.varied, options.vary, `--vary=${options.vary}`);
}

/** --dry-run: the table of what each build would get, and nothing built. */
function printVariations(ctx: CommandContext, arch: string, varied: Varied): void {
  const table = variationTable(arch, {}, varied);
  const off = notVaried(varied);
  ctx.out.result({ arch, varied: formatVaried(varied), notVaried: off, variations: table }, () =>
    [
      `what build 2 varies on ${arch}${off.length ? ` (not varied: ${off.join(', ')})` : ' (everything)'}:`,
      ...table.map((row) => `  ${row.id.padEnd(12)} ${row.name}: build 1 ${row.first}; build 2 ${row.second}`),
    ].join('\n'),
  );
}

export async function run(targets: string[], options: Options, command: Command): Promise<void> {
  const buildNumber = targets.length === 1 ? parseBuildNumber(targets[0]!) : undefined;
  if (buildNumber !== undefined) return buildOnThisNode(buildNumber, options, command);
  if (targets.length === 2 || options.job !== undefined) return buildOnNodes(targets, options, command);
  if (targets.length > 2) throw new SpoolError('usage', `too many arguments ${JSON.stringify(targets)}: expected nothing, PKG[=VERSION], 1, 2, or NODE1 NODE2`);
  const [pkg, version] = (targets[0] ?? '').split('=', 2) as [string, string | undefined];
  if (pkg) validatePackageName(pkg);
  if (version !== undefined) validateVersion(version);
  const ctx = contextOf(command, 'create'); // the README's first command: it makes ./var a spool
  const suite = suiteOf(ctx, options.suite);
  const arch = archOf(options.arch);
  const varied = variedOf(ctx, options);
  if (options.dryRun) return printVariations(ctx, arch, varied);
  if (pkg) await ensureScheduled(ctx, suite, arch, pkg, version);
  // The local check is the first thing a new user runs: it makes the chroot it needs (a node never does: it fails clearly).
  if (ctx.config.builder === 'sbuild') await ensureChroot(ctx, suite, arch);
  const signal = stopOnSignal(ctx);
  const settings = { ...builderSettings(ctx, suite), ...(await checkSettingsOf(ctx, varied)), signal };
  const checkOnce = () => localCheck(ctx.spool, settings, { suite, arch, pkg: pkg || undefined });
  await checkAndPrint(ctx, loopLimitsOf(options), signal, checkOnce, `nothing scheduled for ${suite}/${arch}${pkg ? ` matching ${pkg}` : ''}`);
}

/** One check and its verdict, or (with loop limits) checks until a stop. */
async function checkAndPrint(
  ctx: CommandContext,
  limits: LoopLimits | undefined,
  signal: AbortSignal,
  checkOnce: () => Promise<CheckVerdict | undefined>,
  nothingMessage: string,
): Promise<void> {
  if (limits) {
    await checkRepeatedly(ctx.out, limits, signal, checkOnce, describe, nothingMessage);
    return;
  }
  const verdict = await checkOnce();
  if (!verdict) throw new SpoolError('nothingToDo', nothingMessage);
  ctx.out.result(verdict, () => describe(verdict));
}

/** Main: one check over ssh, build 1 on NODE1 and build 2 on NODE2 (or a configured job's pair). */
async function buildOnNodes(targets: string[], options: Options, command: Command): Promise<void> {
  if (options.job !== undefined && targets.length > 0) throw new SpoolError('usage', 'give either --job NAME or NODE1 NODE2, not both');
  targets.forEach((t) => validateName('node', t));
  const ctx = contextOf(command);
  const pair = resolvePair(ctx.config, options.job, targets);
  const varied = variedOf(ctx, options);
  if (options.dryRun) return printVariations(ctx, ctx.config.nodes[pair.node1]!.arch, varied);
  const signal = stopOnSignal(ctx);
  const settings = { ...(await checkSettingsOf(ctx, varied)), signal, ssh: ctx.settings.ssh, health: ctx.settings.health };
  const request = { suite: options.suite === undefined ? undefined : validateName('suite', options.suite) };
  const checkOnce = () => remoteCheck(ctx.spool, ctx.config, settings, pair, request);
  await checkAndPrint(ctx, loopLimitsOf(options), signal, checkOnce, `nothing scheduled for ${ctx.config.nodes[pair.node1]!.arch}`);
}

async function buildOnThisNode(buildNumber: BuildNumber, options: Options, command: Command): Promise<void> {
  if (options.vary !== undefined || options.dryRun) {
    throw new SpoolError('usage', `--vary and --dry-run are main's: build ${buildNumber} varies what its entry's Variations field says`);
  }
  if (loopLimitsOf(options)) throw new SpoolError('usage', `--max-checks and --for are for checks: build ${buildNumber} builds one entry`);
  const ctx = contextOf(command);
  const node = nodeName(options.node, ctx);
  const only = options.entry === undefined ? undefined : parseEntryId(options.entry);
  const done = await buildNext(
    ctx.spool,
    node,
    buildNumber,
    { ...builderSettings(ctx, only?.suite ?? suiteOf(ctx, options.suite)), signal: stopOnSignal(ctx) },
    only,
  );
  if (!done) throw new SpoolError('nothingToDo', only ? `${formatId(only)} is not in ${node}'s inbox` : `${node}'s inbox is empty`);
  ctx.out.result(
    done,
    () =>
      `${formatId(done.id)}: build ${buildNumber} on ${node}: ${done.status} in ${done.durationSeconds.toFixed(1)} s ` +
      `(${ctx.spool.layout.relative(done.results)})`,
  );
}

/** What every check of this command needs, local or over ssh, but its stop signal. */
export async function checkSettingsOf(ctx: CommandContext, varied: Varied): Promise<Omit<CheckSettings, 'job'>> {
  return {
    store: await storeOf(ctx),
    diffoscope: diffoscopeSettings(ctx),
    notify: verdictEventsOf(ctx),
    varied,
    explainMaxBuilds: ctx.settings.build.explainMaxBuilds,
    progress: (message) => ctx.out.progress(message),
    ...(ctx.config.compareWithArchive && {
      versusArchive: {
        mirror: (suite: string) => mirrorOf(ctx, suite),
        component: 'main',
        maxAgeMs: ctx.settings.catalogue.packagesIndexMaxAgeMs,
        download: ctx.settings.download,
        trust: indexTrustOf(ctx),
        diffoscope: diffoscopeSettings(ctx),
      },
    }),
  };
}

function diffoscopeSettings(ctx: CommandContext) {
  const b = ctx.settings.build;
  return { timeoutMs: b.diffoscopeTimeoutMs, maxReportBytes: b.diffoscopeMaxReportBytes, killGraceMs: ctx.spool.thresholds.killGraceMs };
}

/** For `build PKG`: schedule it unless it already waits, importing the suite's catalogue first if it lacks the package. */
async function ensureScheduled(ctx: CommandContext, suite: string, arch: string, pkg: string, version: string | undefined): Promise<void> {
  const waiting = listEntries(ctx.spool, { places: [SCHEDULED], suite, arch, pkg }).filter((e) => version === undefined || e.version === version);
  if (waiting.length > 0) return;
  const store = await storeOf(ctx);
  const mirror = mirrorOf(ctx, suite);
  const { known, importedAt } = await store.read(async (db) => ({
    known: (await db.all('SELECT version FROM sources WHERE name = ? AND suite = ? AND architecture = ?', [pkg, suite, arch])).length > 0,
    importedAt:
      (await db.all<{ at: string | null }>('SELECT max(imported_at) AS at FROM sources WHERE suite = ? AND architecture = ?', [suite, arch]))[0]?.at ?? null,
  }));
  if (!known) {
    const ageMs = importedAt === null ? Infinity : ctx.spool.clock.now() - Date.parse(importedAt);
    // A catalogue fresher than sourcesIndexMaxAgeSeconds is trusted: a mistyped name must not cost a 10 MB download each time.
    if (ageMs >= 0 && ageMs <= ctx.settings.catalogue.sourcesIndexMaxAgeMs) {
      throw new SpoolError(
        'usage',
        `${pkg} is not a source package of ${suite}/main for ${arch} (the catalogue was imported at ${importedAt}; \`sources import\` refreshes it)`,
      );
    }
    ctx.out.progress(`${pkg} is not in the ${suite}/${arch} catalogue${importedAt ? ` of ${importedAt}` : ''}: importing the Sources index from ${mirror}`);
    const rejected: RejectedStanza[] = [];
    const fetched = await fetchSourcesIndex(ctx.spool, mirror, suite, 'main', ctx.settings.download, indexTrustOf(ctx));
    ctx.out.progress(fetched.verification);
    const records = parseSourcesIndex(fetched.text, rejected);
    reportRejected(ctx.out, rejected);
    await importSources(store, records, suite, arch, new Date(ctx.spool.clock.now()));
  }
  const blacklist = blacklistOf(ctx);
  const [scheduled] = await schedule(
    { spool: ctx.spool, store, mirror, download: ctx.settings.download, blacklist, manualDailyLimit: ctx.settings.scheduler.manualDailyLimit },
    { suite, arch, selection: { named: [pkg] }, limit: 1, priority: 0, reason: 'local check', requester: requesterOf(undefined) },
  );
  if (scheduled?.outcome === 'blacklisted')
    throw new SpoolError(
      'nothingToDo',
      `${pkg} is blacklisted for ${suite}/${arch} in ${blacklist.file}: ${scheduled.detail}; recorded as its verdict, nothing built`,
    );
  if (scheduled?.outcome === 'unknown')
    throw new SpoolError('usage', `${pkg} is not a source package of ${suite}/main for ${arch} (the Sources index was just imported from ${mirror})`);
  if (!scheduled || (scheduled.outcome !== 'scheduled' && scheduled.outcome !== 'already-scheduled')) {
    const exit = scheduled?.outcome === 'unreachable' ? 'unreachable' : scheduled?.outcome === 'checksum-mismatch' ? 'integrity' : 'usage';
    throw new SpoolError(exit, `cannot schedule ${pkg}: ${scheduled?.outcome ?? 'unknown'}${scheduled?.detail ? ` (${scheduled.detail})` : ''}`);
  }
  if (version !== undefined && scheduled.version !== version) {
    throw new SpoolError('usage', `${pkg} ${version} is not what ${suite} has: the catalogue says ${scheduled.version}`);
  }
}

export function describe(v: CheckVerdict): string {
  const earlier = v.concludedEarlier ? ' (recorded by an earlier check that died before removing its entry; only the removal was left)' : '';
  const lines = [`${formatId(v.id)}: ${v.verdict}${earlier}`];
  if (v.detail) lines.push(`  ${v.detail}`);
  const label = (b: CheckVerdict['builds'][number]) =>
    !v.explanation ? `build ${b.buildNumber}` : v.explanation.outcome === 'nondeterministic' ? 'the control build' : 'the build of the culprit alone';
  for (const b of v.builds) lines.push(`  ${label(b)} on ${b.node}: ${b.status} in ${b.durationSeconds.toFixed(1)} s${stagesOf(b.stageSeconds)}`);
  if (v.comparison?.differing.length) lines.push(`  differing: ${v.comparison.differing.join(' ')}`);
  if (v.comparison?.environmentChanged.length)
    lines.push(`  WARNING: the build environment changed between the builds: ${v.comparison.environmentChanged.join('; ')}`);
  for (const f of v.differingFiles ?? []) lines.push(`  differs: ${describeDifferingFile(f)}`);
  if (v.diffoscope) lines.push(`  diffoscope: ${v.diffoscope}`);
  if (v.versusArchive?.length) lines.push(`  versus the archive: ${describeVersusArchive(v.versusArchive)}`);
  if (v.versusArchiveUnavailable) lines.push(`  not compared with the archive: ${v.versusArchiveUnavailable}`);
  lines.push(`  artifacts: ${forPeople(v.archive)}`);
  return lines.join('\n');
}
