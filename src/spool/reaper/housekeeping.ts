/**
 * Reaper rules for what is not an entry: temps of dead processes, locks nobody holds
 * any more, results directories without their marker, quarantine slots whose item never
 * arrived, empty package directories, and strays (quarantined, never deleted).
 */
import fs from 'node:fs';
import path from 'node:path';
import { tempOwner } from '../../durable/atomic.js';
import { entryIdOrUndefined, idKey } from '../identity.js';
import { breakStaleLock, judgeLock, tryLockEntry } from '../lock.js';
import { processStart } from '../../durable/process-identity.js';
import { hasResultMarker, resultMarkerStat } from '../results.js';
import { QUARANTINE_ITEM, QUARANTINE_REASON, quarantine } from '../transitions/quarantine.js';
import { type Anomaly, listDir, walkResults } from '../walk.js';
import { type ReapContext, act } from './actions.js';

export async function quarantineAnomalies(ctx: ReapContext, anomalies: readonly Anomaly[]): Promise<void> {
  for (const anomaly of anomalies) {
    await act(ctx, 'quarantine', anomaly.path, anomaly.reason, () => quarantine(ctx.spool, anomaly.path, anomaly.reason, 'reap').slot);
  }
}

/** Temps of dead writers in tmp/ and in locks/_tmp/ (owner records, written beside the locks). */
export async function removeDeadTemps(ctx: ReapContext): Promise<number> {
  const { tmpDir, locksTmpDir } = ctx.spool.layout;
  return (await removeDeadTempsIn(ctx, tmpDir)) + (await removeDeadTempsIn(ctx, locksTmpDir));
}

async function removeDeadTempsIn(ctx: ReapContext, tmpDir: string): Promise<number> {
  const temps = listDir(tmpDir);
  for (const temp of temps) {
    const file = path.join(tmpDir, temp.name);
    const owner = tempOwner(temp.name);
    let reason: string | undefined;
    if (owner && processStart(owner.pid) !== owner.pidStart) reason = `its writer pid ${owner.pid} is gone`;
    if (!owner && ctx.spool.clock.now() - fs.lstatSync(file).mtimeMs > ctx.spool.thresholds.tmpMaxAgeMs) {
      reason = 'older than tmpMaxAgeMs and of no known writer';
    }
    if (reason) await act(ctx, 'remove-temp', file, reason, () => fs.rmSync(file, { recursive: true, force: true }));
  }
  return temps.length;
}

/** Locks of identities the entry rules did not look at (no entry left, or only scheduled/failed). */
export async function breakOrphanLocks(ctx: ReapContext, handled: ReadonlySet<string>): Promise<number> {
  const { layout } = ctx.spool;
  let count = 0;
  for (const suite of listDir(layout.locksDir)) {
    if (!suite.isDirectory() || suite.name.startsWith('_')) continue;
    for (const arch of listDir(path.join(layout.locksDir, suite.name))) {
      const dir = path.join(layout.locksDir, suite.name, arch.name);
      const seen = new Set<string>();
      for (const item of listDir(dir)) {
        const match = /^(.+?)_(.+)\.(lock|owner)$/.exec(item.name);
        const id = match && entryIdOrUndefined(suite.name, arch.name, match[1]!, match[2]!);
        if (!id) {
          await act(
            ctx,
            'quarantine',
            path.join(dir, item.name),
            'not a lock of this spool',
            () => quarantine(ctx.spool, path.join(dir, item.name), 'not a lock of this spool', 'reap').slot,
          );
          continue;
        }
        const key = idKey(id);
        if (seen.has(key)) continue;
        seen.add(key);
        count++;
        if (handled.has(key)) continue;
        const judgement = judgeLock(ctx.spool, id);
        const ownerOnly = judgement.health === 'free' && fs.existsSync(layout.ownerPath(id));
        const ownerAge = ownerOnly ? ctx.spool.clock.now() - fs.lstatSync(layout.ownerPath(id)).mtimeMs : 0;
        if (judgement.health === 'stale' || ownerAge > ctx.spool.thresholds.lockStaleMs) {
          await act(ctx, 'break-lock', layout.lockDir(id), ownerOnly ? 'owner record without a lock' : judgement.reason, () => breakStaleLock(ctx.spool, id));
        }
      }
    }
  }
  return count;
}

export async function removeAbandonedResults(ctx: ReapContext): Promise<number> {
  const results = walkResults(ctx.spool.layout);
  await quarantineAnomalies(ctx, results.anomalies);
  const { clock, thresholds } = ctx.spool;
  for (const result of results.entries) {
    const marker = resultMarkerStat(result.path);
    const complete = marker !== undefined;
    const ageMs = marker ? clock.now() - marker.mtimeMs : 0;
    if (complete && ageMs <= thresholds.abandonedMaxAgeMs) continue;
    const why = complete
      ? `complete results nobody fetched for ${Math.round(ageMs / 1000)} s (longer than abandonedMaxAgeSeconds), and no live holder of its entry`
      : 'results directory without its result marker, and no live holder of its entry';
    // A live holder of the entry may be fetching or comparing these results (a directory
    // renamed away mid-walk also looks marker-less): only ever under the entry's own lock,
    // and only if it is still there as judged.
    if (judgeLock(ctx.spool, result.id).health === 'held') continue;
    const lock = ctx.dryRun ? undefined : await tryLockEntry(ctx.spool, result.id, 'reap');
    if (!ctx.dryRun && !lock) continue;
    try {
      if (fs.existsSync(result.path) && hasResultMarker(result.path) === complete) {
        await act(ctx, 'remove-results', result.path, why, () => fs.rmSync(result.path, { recursive: true, force: true }));
      }
    } finally {
      await lock?.release();
    }
  }
  return results.entries.length;
}

export async function removeEmptySlots(ctx: ReapContext): Promise<void> {
  const { quarantineDir } = ctx.spool.layout;
  for (const slot of listDir(quarantineDir)) {
    const dir = path.join(quarantineDir, slot.name);
    const names = slot.isDirectory() ? listDir(dir).map((d) => d.name) : [];
    if (slot.isDirectory() && !names.includes(QUARANTINE_ITEM) && names.every((n) => n === QUARANTINE_REASON)) {
      await act(ctx, 'remove-slot', dir, 'quarantine slot whose item never arrived (it is still at its original path)', () =>
        fs.rmSync(dir, { recursive: true, force: true }),
      );
    }
  }
}

/**
 * Empty package directories go once they have been empty for the stale window: a fresh
 * one may be about to receive an entry (a writer's mkdir -p, then its link or scp).
 */
export async function pruneEmptyDirs(ctx: ReapContext, dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) {
    const stat = fs.statSync(dir, { throwIfNoEntry: false });
    if (!stat || ctx.spool.clock.now() - stat.mtimeMs <= ctx.spool.thresholds.lockStaleMs) continue;
    await act(ctx, 'prune-dir', dir, 'empty package directory', () => {
      try {
        fs.rmdirSync(dir);
      } catch (error) {
        // An entry arrived since the walk: the directory is in use again, which is fine.
        if ((error as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    });
  }
}
