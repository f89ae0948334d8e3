import fs from 'node:fs';
import path from 'node:path';
import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { FINDING_CLASSES, type Finding, REPAIRABLE, findBreakages, writeFindings } from '../../archive/consistency.js';
import { removeCheck } from '../../archive/remove-check.js';
import { readArchivedRecord } from '../../archive/checks.js';
import { EXIT_CODES, SpoolError } from '../../errors.js';
import { spoolStatus } from '../../spool/inspect.js';
import { reap } from '../../spool/reaper/reap.js';
import type { ReapActionKind } from '../../spool/reaper/report.js';
import type { Store } from '../../store/store.js';
import { type CommandContext, contextOf, storeOf, thisNodeOf } from '../context.js';

export async function run(options: { repair?: boolean }, command: Command): Promise<void> {
  const ctx = contextOf(command);
  const store = await storeOf(ctx);
  const find = async () => {
    const orphans = (await reap(ctx.spool, { dryRun: true, thisNode: thisNodeOf(undefined, ctx) })).actions.filter((a) => ORPHAN_ACTIONS.includes(a.action));
    return store.read((db) =>
      findBreakages(db, {
        layout: ctx.spool.layout,
        settings: ctx.settings.archive,
        foldAfterDays: ctx.settings.history.foldAfterDays,
        now: ctx.spool.clock.now(),
        duplicates: spoolStatus(ctx.spool).duplicates,
        orphans,
      }),
    );
  };
  const found = await find();
  const repaired = options.repair ? await repair(ctx, store, found) : [];
  const left = options.repair ? await find() : found;
  writeFindings(ctx.spool.layout, { checkedAt: new Date(ctx.spool.clock.now()).toISOString(), findings: left });
  const counts = Object.fromEntries(FINDING_CLASSES.map((c) => [c, left.filter((f) => f.class === c).length]));
  ctx.out.result({ findings: left, repaired, counts }, () =>
    [
      ...repaired.map((f) => `repaired ${f.class}: ${f.subject}`),
      ...left.map((f) => `${f.class}: ${f.subject}: ${f.detail}${REPAIRABLE.includes(f.class) ? ' (check --repair fixes it)' : ''}`),
      left.length === 0 ? 'check: the archive, reproducible.db and the spool agree' : `check: ${left.length} findings`,
    ].join('\n'),
  );
  if (left.length > 0) process.exitCode = EXIT_CODES.failed;
}

/** The reaper's removals of results and build directories that no entry will fetch or finish. */
const ORPHAN_ACTIONS: readonly ReapActionKind[] = ['remove-results', 'remove-workdir'];

/** Fixes what can be fixed without losing anything; returns what it fixed. */
async function repair(ctx: CommandContext, store: Store, found: readonly Finding[]): Promise<Finding[]> {
  const fixable = found.filter((f) => REPAIRABLE.includes(f.class));
  const records = fixable
    .filter((f) => f.class === 'archive-without-row')
    .flatMap((f) => {
      const read = readArchivedRecord(path.join(ctx.spool.layout.root, f.subject));
      if (read !== undefined && 'problem' in read) throw new SpoolError('integrity', `${read.file} is ${read.problem}: not recorded`);
      return read ? [read.record] : [];
    });
  if (records.length > 0) await store.record(records);
  for (const f of fixable.filter((f) => f.class === 'unconcluded-archive')) removeCheck(path.join(ctx.spool.layout.root, f.subject));
  for (const f of fixable.filter((f) => f.class === 'half-removed-check'))
    fs.rmSync(path.join(ctx.spool.layout.root, f.subject), { recursive: true, force: true });
  if (fixable.some((f) => f.class === 'entry-in-two-states' || f.class === 'orphan-build-directory'))
    await reap(ctx.spool, { dryRun: false, thisNode: thisNodeOf(undefined, ctx) });
  return fixable;
}
