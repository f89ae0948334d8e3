/**
 * `explain PKG`: which variations make PKG's latest unreproducible check differ. It
 * schedules an explanation (an entry whose Explain field names that check) and runs it at
 * once, locally or on a job's first node, like `build PKG` runs a check (src/explain/).
 */
import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { SpoolError, TargetExistsError } from '../../errors.js';
import { localCheck } from '../../builder/local-check.js';
import { ALL_VARIED } from '../../builder/variations.js';
import { EXPLAIN_FIELD, explainedCheck } from '../../explain/explain.js';
import { entryId, formatId } from '../../spool/identity.js';
import { SCHEDULED } from '../../spool/layout.js';
import { locate, readEntryFile } from '../../spool/read-entry.js';
import { validateName, validatePackageName } from '../../spool/names.js';
import { enqueue } from '../../spool/transitions/enqueue.js';
import { verdictHistory } from '../../store/history.js';
import { remoteCheck, resolvePair } from '../../remote/remote-check.js';
import { type CommandContext, archOf, contextOf, requesterOf, storeOf, suiteOf } from '../context.js';
import { checkSettingsOf, describe } from './build.js';
import { builderSettings, stopOnSignal } from '../node-build.js';
import { ensureChroot } from './chroot.js';

interface Options {
  suite?: string;
  arch?: string;
  job?: string;
}

export async function run(pkg: string, nodes: string[], options: Options, command: Command): Promise<void> {
  validatePackageName(pkg);
  if (nodes.length !== 0 && nodes.length !== 2)
    throw new SpoolError('usage', `expected PKG, PKG NODE1 NODE2 or PKG --job NAME, not ${nodes.length} node names`);
  if (options.job !== undefined && nodes.length > 0) throw new SpoolError('usage', 'give either --job NAME or NODE1 NODE2, not both');
  nodes.forEach((n) => validateName('node', n));
  const ctx = contextOf(command);
  const remote = nodes.length === 2 || options.job !== undefined;
  const pair = remote ? resolvePair(ctx.config, options.job, nodes) : undefined;
  const suite = suiteOf(ctx, options.suite);
  const arch = pair ? ctx.config.nodes[pair.node1]!.arch : archOf(options.arch);
  await scheduleExplanation(ctx, suite, arch, pkg);
  const signal = stopOnSignal(ctx);
  const settings = await checkSettingsOf(ctx, ALL_VARIED);
  let verdict;
  if (pair) {
    verdict = await remoteCheck(ctx.spool, ctx.config, { ...settings, signal, ssh: ctx.settings.ssh, health: ctx.settings.health }, pair, { suite, pkg });
  } else {
    if (ctx.config.builder === 'sbuild') await ensureChroot(ctx, suite, arch);
    verdict = await localCheck(ctx.spool, { ...builderSettings(ctx, suite), ...settings, signal }, { suite, arch, pkg });
  }
  if (!verdict) throw new SpoolError('nothingToDo', `the explanation of ${pkg} in ${suite}/${arch} was taken by another job`);
  ctx.out.result(verdict, () => describe(verdict));
}

/** An entry explaining PKG's latest check, in scheduled/ (or already there); exit 3 when there is nothing to explain. */
async function scheduleExplanation(ctx: CommandContext, suite: string, arch: string, pkg: string): Promise<void> {
  const store = await storeOf(ctx);
  const { checks, source } = await store.read(async (db) => ({
    checks: await verdictHistory(db, { name: pkg, suite, architecture: arch }),
    source: (
      await db.all<{ version: string; dsc_path: string; dsc_sha256: string }>(
        'SELECT version, dsc_path, dsc_sha256 FROM sources WHERE name = ? AND suite = ? AND architecture = ?',
        [pkg, suite, arch],
      )
    )[0],
  }));
  const latest = checks.find((c) => c.explanation === null);
  if (!latest) throw new SpoolError('nothingToDo', `${pkg} has no check in ${suite}/${arch}: build it first`);
  if (latest.verdict !== 'unreproducible') {
    throw new SpoolError('nothingToDo', `${pkg}'s latest check in ${suite}/${arch} (${latest.buildDate}) is ${latest.verdict}: nothing to explain`);
  }
  if (!source || source.version !== latest.version) {
    throw new SpoolError(
      'usage',
      `${pkg} ${latest.version} is no longer the catalogue's version of ${suite}/${arch} (${source?.version ?? 'none'}): check the current one first`,
    );
  }
  const id = entryId(suite, arch, pkg, latest.version);
  explainedCheck(ctx.spool, id, latest.buildDate); // its build 1 must still be there: refused now, not after a job picked it
  try {
    await enqueue(ctx.spool, SCHEDULED, {
      id,
      dscSha256: source.dsc_sha256,
      extra: [
        ['Dsc-Url', source.dsc_path],
        ['Priority', '0'],
        ['Category', 'manual'],
        ['Reason', `explain the check of ${latest.buildDate}`],
        ['Requester', requesterOf(undefined)],
        [EXPLAIN_FIELD, latest.buildDate],
      ],
    });
  } catch (error) {
    if (!(error instanceof TargetExistsError)) throw error;
    // Already there: an explanation of the same check (handed back, or asked for twice) is run; anything else waits its turn.
    const existing = locate(ctx.spool.layout, id)[0];
    const entry = existing && readEntryFile(existing.path, id, existing.place);
    if (entry?.fields.get(EXPLAIN_FIELD) !== latest.buildDate) {
      throw new SpoolError(
        'busy',
        `${formatId(id)} is already in the spool (${existing ? ctx.spool.layout.relative(existing.path) : 'gone'}): explain it once that is done`,
      );
    }
  }
}
