/**
 * The reaper (cron, every few minutes): finds what crashes and dead nodes left behind
 * and brings every entry back to exactly one state. Idempotent; one instance at a time
 * (locks/_reaper.lock); never touches an entry whose lock is fresh; reports every action.
 */
import { idKey } from '../identity.js';
import { holdSingletonLock } from '../singleton-lock.js';
import { groupBy } from '../../group-by.js';
import type { Spool } from '../spool.js';
import { type WalkedEntry, walkEntries } from '../walk.js';
import type { ReapContext } from './actions.js';
import { reapIdentity } from './entries.js';
import { breakOrphanLocks, pruneEmptyDirs, quarantineAnomalies, removeDeadTemps, removeEmptySlots, removeAbandonedResults } from './housekeeping.js';
import { type Signaller, realSignaller } from './kill.js';
import type { ReapReport } from './report.js';

export interface ReapOptions {
  readonly dryRun?: boolean;
  /** Set when this spool is a node's: the name of its inbox. */
  readonly thisNode?: string;
  readonly signaller?: Signaller;
}

export async function reap(spool: Spool, options: ReapOptions = {}): Promise<ReapReport> {
  const started = performance.now();
  const dryRun = options.dryRun ?? false;
  const guard: ReapContext['guard'] = {};
  const release = dryRun ? undefined : await lockReaper(spool, guard);
  const ctx: ReapContext = { spool, dryRun, thisNode: options.thisNode, signaller: options.signaller ?? realSignaller, actions: [], guard };
  try {
    const walk = walkEntries(spool.layout);
    await quarantineAnomalies(ctx, walk.anomalies);
    const handled = new Set<string>();
    for (const [key, group] of groupByIdentity(walk.entries)) {
      if (await reapIdentity(ctx, group)) handled.add(key);
    }
    const locks = await breakOrphanLocks(ctx, handled);
    const results = await removeAbandonedResults(ctx);
    const temps = await removeDeadTemps(ctx);
    await removeEmptySlots(ctx);
    await pruneEmptyDirs(ctx, walk.emptyDirs);
    return {
      root: spool.layout.root,
      dryRun,
      startedAt: new Date(spool.clock.now()).toISOString(),
      durationMs: Math.round(performance.now() - started),
      scanned: { entries: walk.entries.length, results, locks, temps },
      actions: ctx.actions,
    };
  } finally {
    if (!guard.lost) await release?.();
  }
}

function groupByIdentity(entries: readonly WalkedEntry[]): Map<string, WalkedEntry[]> {
  return groupBy(entries, (entry) => idKey(entry.id));
}

function lockReaper(spool: Spool, guard: ReapContext['guard']): Promise<() => Promise<void>> {
  return holdSingletonLock(spool, spool.layout.reaperLockDir, `another reaper is running on ${spool.layout.root}`, (error) => {
    guard.lost = error;
  });
}
