/** Read-only views of a spool for people: what is where, what is stuck, what is held. */
import fs from 'node:fs';
import { errnoCode } from '../errors.js';
import { type EntryId, formatId } from './identity.js';
import { placeName } from './layout.js';
import { type LockJudgement, judgeLock } from './lock.js';
import type { Spool } from './spool.js';
import { type WalkFilter, type WalkResult, type WalkedEntry, listDir, walkEntries } from './walk.js';

export interface ListedEntry extends EntryId {
  readonly state: string;
  readonly path: string;
}

export function listEntries(spool: Spool, filter: WalkFilter = {}): ListedEntry[] {
  return walkEntries(spool.layout, filter)
    .entries.map((e) => ({ state: placeName(e.place), ...e.id, path: e.path }))
    .sort((a, b) => a.state.localeCompare(b.state) || a.pkg.localeCompare(b.pkg) || a.version.localeCompare(b.version));
}

export interface PendingView extends ListedEntry {
  readonly ageMs: number;
  readonly lock: LockJudgement;
  /** Would the reaper hand it back now? */
  readonly stale: boolean;
}

export interface SpoolStatus {
  readonly root: string;
  /** Entries per place: scheduled, pending, failed and each node directory. */
  readonly counts: Record<string, number>;
  readonly pending: PendingView[];
  readonly oldestPendingMs: number | null;
  readonly stalePending: number;
  readonly quarantined: number;
  readonly anomalies: number;
  /** Entries found in more than one state: a crash leftover the reaper resolves. */
  readonly duplicates: string[];
}

/** walk: a walk of this spool just made, for a caller that needs the entries too. */
export function spoolStatus(spool: Spool, walk: WalkResult = walkEntries(spool.layout)): SpoolStatus {
  const counts: Record<string, number> = { scheduled: 0, pending: 0, failed: 0 };
  for (const { place } of walk.entries) counts[placeName(place)] = (counts[placeName(place)] ?? 0) + 1;
  const now = spool.clock.now();
  const pending = walk.entries
    .filter((e) => e.place.state === 'pending')
    .flatMap((e) => {
      const ageMs = ageOf(e.path, now);
      if (ageMs === undefined) return []; // finished while we looked
      const lock = judgeLock(spool, e.id);
      const stale = lock.health === 'stale' || (lock.health === 'free' && ageMs > spool.thresholds.lockStaleMs);
      return [{ state: placeName(e.place), ...e.id, path: e.path, ageMs, lock, stale }];
    });
  return {
    root: spool.layout.root,
    counts,
    pending,
    oldestPendingMs: pending.length ? Math.max(...pending.map((p) => p.ageMs)) : null,
    stalePending: pending.filter((p) => p.stale).length,
    quarantined: listDir(spool.layout.quarantineDir).length,
    anomalies: walk.anomalies.length,
    duplicates: duplicatesOf(walk.entries),
  };
}

function duplicatesOf(entries: readonly WalkedEntry[]): string[] {
  const seen = new Map<string, string[]>();
  for (const e of entries) seen.set(formatId(e.id), [...(seen.get(formatId(e.id)) ?? []), placeName(e.place)]);
  return [...seen].filter(([, places]) => places.length > 1).map(([key, places]) => `${key} in ${places.join(' and ')}`);
}

/** Time since the entry last changed state (link/unlink update the inode's ctime). */
export function ageOf(file: string, now: number): number | undefined {
  try {
    return now - fs.lstatSync(file).ctimeMs;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}
