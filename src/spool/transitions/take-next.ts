/**
 * The loop shared by pick and claim: walk one place, lock the first entry nobody
 * holds, read it (quarantining it if corrupt), and hand it to the move. Racers skip
 * what is locked; the move itself (link/rename) decides a race the lock did not.
 */
import { TargetExistsError } from '../../errors.js';
import { CorruptEntryError, type Entry } from '../entry.js';
import { type BuildOrderKey, buildOrderKeyOf, compareBuildOrder } from '../../schedule/build-order.js';
import type { EntryId } from '../identity.js';
import type { Place } from '../layout.js';
import { type EntryLock, type LockPurpose, tryLockEntry } from '../lock.js';
import { readEntryFile } from '../read-entry.js';
import type { Spool } from '../spool.js';
import { type WalkedEntry, walkEntries } from '../walk.js';
import { quarantine } from './quarantine.js';
import { faultPoint } from '../../durable/fault.js';

export interface Taken {
  readonly entry: Entry;
  readonly lock: EntryLock;
}

export interface TakeOptions {
  readonly from: Place;
  readonly suite?: string;
  readonly arch?: string;
  readonly pkg?: string;
  readonly version?: string;
  readonly purpose: LockPurpose;
  readonly job?: string;
  readonly faultLabel: string;
  /** In build order (schedule/build-order.ts: Priority, manual requests, then the due time of each category; reads every candidate: used for scheduled/). */
  readonly byPriority?: boolean;
  /** Told about each entry skipped because its target already exists (both copies are kept). */
  readonly onConflict?: (error: TargetExistsError) => void;
  /** Moves the locked, valid entry and returns it as it now stands, or undefined if another process moved it first. */
  readonly move: (entry: Entry, sourcePath: string) => Entry | undefined;
}

/**
 * Yields each entry this process wins, from one walk of the place. The consumer owns
 * each yielded lock (keep it while working, release it when done) before asking for more.
 */
export async function* takeEach(spool: Spool, options: TakeOptions): AsyncGenerator<Taken> {
  const { entries } = walkEntries(spool.layout, { places: [options.from], suite: options.suite, arch: options.arch, pkg: options.pkg });
  const wanted = options.version === undefined ? entries : entries.filter((e) => e.id.version === options.version);
  for (const candidate of options.byPriority ? byPriority(wanted) : wanted) {
    const taken = await tryTake(spool, candidate.id, candidate.path, options);
    if (taken) yield taken;
  }
}

export async function takeNext(spool: Spool, options: TakeOptions): Promise<Taken | undefined> {
  for await (const taken of takeEach(spool, options)) return taken;
  return undefined;
}

async function tryTake(spool: Spool, id: EntryId, file: string, options: TakeOptions): Promise<Taken | undefined> {
  const lock = await tryLockEntry(spool, id, options.purpose, { job: options.job });
  if (!lock) return undefined;
  let moved: Entry | undefined;
  try {
    const entry = readEntryOrQuarantine(spool, id, file, options);
    if (!entry) return undefined;
    faultPoint(`${options.faultLabel}:after-lock`);
    lock.assertHeld();
    moved = moveOrReport(entry, file, options);
    return moved && { entry: moved, lock };
  } finally {
    if (!moved) await lock.release();
  }
}

/** Sort keys read from each entry; an unreadable entry sorts last and is quarantined when reached. */
function byPriority(entries: readonly WalkedEntry[]): WalkedEntry[] {
  const last: BuildOrderKey = { priority: -Infinity, dueMs: Infinity };
  const keyed = entries.map((walked) => {
    const entry = readForSorting(walked);
    return { walked, key: entry ? buildOrderKeyOf(entry) : last };
  });
  keyed.sort((a, b) => compareBuildOrder(a.key, b.key) || a.walked.path.localeCompare(b.walked.path));
  return keyed.map((k) => k.walked);
}

function readForSorting(walked: WalkedEntry): Entry | undefined {
  try {
    return readEntryFile(walked.path, walked.id, walked.place); // undefined: taken by another picker meanwhile, tryTake skips it
  } catch (error) {
    if (error instanceof CorruptEntryError) return undefined;
    throw error;
  }
}

function moveOrReport(entry: Entry, file: string, options: TakeOptions): Entry | undefined {
  try {
    return options.move(entry, file);
  } catch (error) {
    if (!(error instanceof TargetExistsError) || !options.onConflict) throw error;
    options.onConflict(error);
    return undefined;
  }
}

function readEntryOrQuarantine(spool: Spool, id: EntryId, file: string, options: TakeOptions): Entry | undefined {
  try {
    return readEntryFile(file, id, options.from);
  } catch (error) {
    if (!(error instanceof CorruptEntryError)) throw error;
    quarantine(spool, file, `corrupt entry: ${error.message}`, options.faultLabel);
    return undefined;
  }
}
