/**
 * The reaper's rules for one entry identity (spool-layout.md, "The reaper"), applied only when no live
 * process holds the entry's lock:
 *  - corrupt entry files → quarantine;
 *  - the entry in two states (a crash between link and unlink) → keep the later state
 *    (failed > scheduled > node directory > pending), unlink the other name;
 *  - pending with complete results → the completion crashed after its rename: unlink pending;
 *  - pending whose holder is dead, whose lock went stale, or (unlocked) older than the
 *    stale window → kill leftovers, remove its workdir, hand it back (Attempt+1) or fail it;
 *  - in a node's directory with a dead "job" holder (main outbox) → back to scheduled/;
 *  - a lock that is overdue (older than maxBuildMs) is treated as dead after its holder is killed.
 */
import fs from 'node:fs';
import { unmountUnder } from '../../builder/disorderfs.js';
import path from 'node:path';
import { CorruptEntryError, type Entry, buildNumberOf, nodeOf } from '../entry.js';
import type { EntryId } from '../identity.js';
import { placeName } from '../layout.js';
import { type LockJudgement, type LockOwner, breakStaleLock, judgeLock, tryLockEntry, type EntryLock } from '../lock.js';
import { lexists, locate, readEntryFile } from '../read-entry.js';
import { SpoolError } from '../../errors.js';
import { faultPoint } from '../../durable/fault.js';
import { hasResultMarker } from '../results.js';
import { quarantine } from '../transitions/quarantine.js';
import { type RequeueOptions, nextAttempt, requeue } from '../transitions/requeue.js';
import type { WalkedEntry } from '../walk.js';
import { type ReapContext, act } from './actions.js';
import { leftovers, terminate } from './kill.js';
import { concludedCheck } from '../concluded.js';

const RANK = { pending: 0, node: 1, scheduled: 2, failed: 3 } as const;

interface ValidEntry extends WalkedEntry {
  readonly entry: Entry;
}

/** Returns true when the identity's lock was dealt with here (so housekeeping leaves it alone). */
export async function reapIdentity(ctx: ReapContext, walked: readonly WalkedEntry[]): Promise<boolean> {
  const { spool } = ctx;
  const id = walked[0]!.id;
  const active = walked.length > 1 || walked.some((w) => w.place.state === 'pending' || w.place.state === 'node');
  if (!active) return false;
  let judgement = judgeLock(spool, id);
  if (judgement.health === 'held') {
    if (!isOverdue(ctx, judgement.owner)) return true; // a live holder: never touched
    const targets = leftovers(judgement.owner!);
    await act(ctx, 'kill', spool.layout.lockDir(id), `holder ${judgement.owner!.purpose} since ${judgement.owner!.since} is past maxBuildMs`, () =>
      terminate(targets, spool.thresholds.killGraceMs, ctx.signaller).then(() => `signalled ${targets.join(' ')}`),
    );
    judgement = { ...judgement, health: 'stale', reason: 'overdue holder killed' };
  }
  // First a plan from the walk, without the lock: most identities need nothing, and cost no lock.
  if (plan(ctx, id, walked, judgement).length === 0 && judgement.health !== 'stale') return true;
  faultPoint('reap:after-plan');
  if (judgement.health === 'stale') {
    await act(ctx, 'break-lock', spool.layout.lockDir(id), judgement.reason, () => breakStaleLock(spool, id));
  }
  const lock = ctx.dryRun ? undefined : await tryLockEntry(spool, id, 'reap');
  if (!ctx.dryRun && !lock) return true; // another process took the entry between our look and now
  try {
    // The walk may be minutes old: under the lock, plan again from where the entry is now.
    const current = locate(spool.layout, id).map((where) => ({ ...where, id }));
    for (const step of plan(ctx, id, current, judgement)) await step(lock);
  } finally {
    await lock?.release();
  }
  return true;
}

type Step = (lock: EntryLock | undefined) => Promise<unknown>;

function plan(ctx: ReapContext, id: EntryId, walked: readonly WalkedEntry[], judgement: LockJudgement): Step[] {
  const { spool } = ctx;
  const steps: Step[] = [];
  const valid: ValidEntry[] = [];
  for (const w of walked) {
    try {
      const entry = readEntryFile(w.path, w.id, w.place);
      if (entry) valid.push({ ...w, entry });
    } catch (error) {
      if (!(error instanceof CorruptEntryError)) throw error;
      steps.push(() =>
        act(ctx, 'quarantine', w.path, `corrupt entry: ${error.message}`, () => quarantine(spool, w.path, `corrupt entry: ${error.message}`, 'reap').slot),
      );
    }
  }
  // Later states first; between two node directories (advance crashed), the later build.
  valid.sort((a, b) => RANK[b.place.state] - RANK[a.place.state] || buildNumber(b) - buildNumber(a));
  const [keep, ...extra] = valid;
  const [first, second] = valid;
  if (first && second && first.place.state === 'node' && second.place.state === 'node' && buildNumber(first) === buildNumber(second)) {
    return steps; // two node directories at the same build: nothing says which is right; status reports it
  }
  for (const dup of extra) {
    steps.push(() => act(ctx, 'remove-duplicate', dup.path, `also in ${placeName(keep!.place)}/, which wins`, () => removeDuplicate(dup.path, keep!.path)));
  }
  if (!keep) return steps;
  const dead = judgement.health === 'stale' || (judgement.health === 'free' && unlockedTooLong(ctx, keep.path));
  if (keep.place.state === 'pending') {
    const node = nodeOf(keep.entry)!;
    if (hasResultMarker(spool.layout.resultsPath(node, id))) {
      steps.push(() => act(ctx, 'finish-completion', keep.path, 'its results are complete', () => fs.unlinkSync(keep.path)));
    } else if (dead) {
      steps.push(...handBack(ctx, keep, judgement, judgement.health === 'free' ? 'claimed without a live lock for longer than lockStaleMs' : judgement.reason));
    }
  } else if (
    keep.place.state === 'node' &&
    keep.place.node === ctx.thisNode &&
    noHolder(judgement) &&
    olderThan(ctx, keep.path, spool.thresholds.abandonedMaxAgeMs)
  ) {
    // A node's inbox entry nobody claimed for days: main gave up on it (it re-ships an entry only after forget) and has its own copy.
    steps.push(() =>
      act(ctx, 'remove-abandoned', keep.path, `in ${ctx.thisNode}'s inbox, unclaimed for longer than abandonedMaxAgeSeconds: main gave up on it`, () =>
        fs.unlinkSync(keep.path),
      ),
    );
  } else if (keep.place.state === 'node' && (deadJob(judgement) || unlockedOutbox(ctx, keep, judgement))) {
    // A job's entry goes back to scheduled/, never to failed/: only a check can clear what it left on the nodes.
    const job = judgement.owner?.job ? `job ${judgement.owner.job}` : 'its job';
    const concluded = concludedCheck(spool.layout, keep.entry);
    if (concluded) {
      // The dead job wrote its verdict and died before removing the entry: the next check
      // records it (once) and removes it, never checks it twice.
      const archive = spool.layout.relative(concluded.archive);
      const reason = `${job} died after its verdict ${concluded.verdict} (${archive}): the next check finishes it`;
      steps.push(...handBack(ctx, keep, judgement, reason, { countsAsAttempt: false, neverFail: true }));
    } else {
      const why =
        judgement.health === 'free'
          ? 'shipped and unlocked for longer than lockStaleMs, so no job is checking it'
          : `${judgement.reason}, and shipped for longer than lockStaleMs with no job checking it`;
      steps.push(...handBack(ctx, keep, judgement, `${job} died: ${why}`, { neverFail: true }));
    }
  }
  return steps;
}

function handBack(ctx: ReapContext, keep: ValidEntry, judgement: LockJudgement, reason: string, options: RequeueOptions = {}): Step[] {
  const { spool } = ctx;
  const steps: Step[] = [];
  const owner = judgement.owner;
  if (owner) {
    const targets = leftovers(owner);
    if (targets.length > 0) {
      steps.push(() =>
        act(ctx, 'kill', keep.path, `leftover processes of dead holder pid ${owner.pid}`, () =>
          terminate(targets, spool.thresholds.killGraceMs, ctx.signaller).then(() => `signalled ${targets.join(' ')}`),
        ),
      );
    }
    const workdir = owner.workdir;
    if (workdir && isInside(spool.layout.root, workdir) && fs.existsSync(workdir)) {
      steps.push(() =>
        act(ctx, 'remove-workdir', workdir, `partial build of dead holder pid ${owner.pid}`, () => {
          // A killed host build 2 leaves its disorderfs mount (and daemon) up: unmounted first, or the removal fails on it.
          const unmounted = unmountUnder(workdir);
          fs.rmSync(workdir, { recursive: true, force: true });
          return unmounted.length > 0 ? `unmounted ${unmounted.join(' ')}` : undefined;
        }),
      );
    }
    // Outside the root (a tmpfs), so only a directory named after this very holder's token is ever removed.
    const scratch = owner.scratch;
    if (scratch && path.isAbsolute(scratch) && path.basename(scratch) === `repro-spool-${owner.token}` && fs.existsSync(scratch)) {
      steps.push(() =>
        act(ctx, 'remove-workdir', scratch, `chroot copy of dead holder pid ${owner.pid}`, () => fs.rmSync(scratch, { recursive: true, force: true })),
      );
    }
  }
  const { attempt, fails } = nextAttempt(spool, keep.entry, options);
  const kind = fails ? 'fail' : 'requeue';
  steps.push((lock) =>
    act(ctx, kind, keep.path, `${reason} (attempt ${attempt - 1} of ${spool.thresholds.maxAttempts})`, async () => {
      const done = await requeue(spool, lock, keep.id, reason, options);
      return `now in ${done.to.state === 'node' ? done.to.node : done.to.state}/ with Attempt ${done.attempt}`;
    }),
  );
  return steps;
}

function buildNumber(v: ValidEntry): number {
  return buildNumberOf(v.entry);
}

function isOverdue(ctx: ReapContext, owner: LockOwner | undefined): boolean {
  if (!owner || (owner.purpose !== 'build' && owner.purpose !== 'job')) return false;
  const since = Date.parse(owner.since);
  return Number.isFinite(since) && ctx.spool.clock.now() - since > ctx.spool.thresholds.maxBuildMs;
}

/**
 * Nobody holds the entry: its lock is free, or stale and broken by this reap before it acts.
 * A stale lock of a requeue, a forget or a reap that died before moving the entry counts as no
 * lock at all, or this reap would only break it and leave the entry for the next reap.
 */
function noHolder(judgement: LockJudgement): boolean {
  return judgement.health !== 'held';
}

/** A claim always holds its lock; unlocked for longer than the stale window, it was abandoned. */
function deadJob(judgement: LockJudgement): boolean {
  return judgement.health === 'stale' && judgement.owner?.purpose === 'job';
}

/**
 * On main (no thisNode) a node directory is an outbox, and a job holds the entry's lock
 * from taking it until its verdict. Shipped and unlocked for longer than lockStaleMs is a
 * job that lost both its lock and its owner record (a holder paused past the stale time
 * released what had become the new holder's, and that holder then stopped): nobody will
 * come back for it. On a node its own directory is an inbox, where waiting unlocked is
 * normal; a node's spool is reaped with its name for that reason.
 */
function unlockedOutbox(ctx: ReapContext, keep: ValidEntry, judgement: LockJudgement): boolean {
  return ctx.thisNode === undefined && noHolder(judgement) && unlockedTooLong(ctx, keep.path);
}

function unlockedTooLong(ctx: ReapContext, file: string): boolean {
  return olderThan(ctx, file, ctx.spool.thresholds.lockStaleMs);
}

/** Placed (linked, renamed) longer ago than ms; a file that is gone was moved on by someone else. */
function olderThan(ctx: ReapContext, file: string, ms: number): boolean {
  const stat = fs.lstatSync(file, { throwIfNoEntry: false });
  return stat !== undefined && ctx.spool.clock.now() - stat.ctimeMs > ms;
}

/** Never an entry's last name: the name that wins must still be there when the other goes. */
function removeDuplicate(duplicate: string, winner: string): void {
  if (!lexists(winner)) throw new SpoolError('busy', `not removed: ${winner} is gone, so this is the entry's only name`);
  fs.unlinkSync(duplicate);
}

export function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, path.resolve(candidate));
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}
