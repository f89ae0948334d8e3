/**
 * requeue: hands an entry back after a failed or abandoned attempt, with Attempt+1 and
 * Last-Failure, or moves it to failed/ once Attempt would pass maxAttempts. A hand-back
 * that is nobody's failure (a node still busy with an orphaned copy) keeps its Attempt.
 *   pending/ (node)          → the inbox of the node named in its Node field
 *   $NODE outbox (main)      → scheduled/ (Node, Job and Build-Number dropped)
 * A node's own inbox is not an outbox: on a node (thisNode) its entries stay where they
 * are (nothing to requeue); only main has scheduled/.
 *
 * Lock: the entry lock (the caller's, or taken here with purpose "requeue").
 * Faults: requeue:after-temp (orphan temp: removed); requeue:after-link /
 * requeue:after-write (new copy at the target, old copy at the source: the reaper keeps
 * the target, since it ranks failed > scheduled > node directory > pending);
 * requeue:after-unlink (done; a dead lock is left to break).
 */
import { SpoolError } from '../../errors.js';
import { type Entry, attemptOf, nodeOf, withFields } from '../entry.js';
import { type EntryId, formatId } from '../identity.js';
import { FAILED, type Place, SCHEDULED, nodePlace } from '../layout.js';
import { type EntryLock, lockEntry } from '../lock.js';
import { locate, readEntryFile } from '../read-entry.js';
import { rewriteMove } from '../relocate.js';
import type { Spool } from '../spool.js';

export interface Requeued {
  readonly from: Place;
  readonly to: Place;
  readonly attempt: number;
}

export interface RequeueOptions {
  /** False when the entry only has to wait (e.g. a node still finishing an orphaned build): Attempt stays. */
  readonly countsAsAttempt?: boolean;
  /** Set when this spool is a node's: the name of its inbox. */
  readonly thisNode?: string;
  /** More fields for the moved entry (e.g. Leftovers-On, for an entry going to failed/). */
  readonly fields?: ReadonlyArray<readonly [string, string]>;
  /**
   * Back to scheduled/ even past maxAttempts: for the reaper, which cannot clear what a
   * job's entry left on its nodes. The next check moves it to failed/ and clears that.
   */
  readonly neverFail?: boolean;
}

/** The one rule for when a hand-back becomes a failure: Attempt would pass maxAttempts (unless the caller may not fail it). */
export function nextAttempt(
  spool: Spool,
  entry: Entry,
  options: Pick<RequeueOptions, 'countsAsAttempt' | 'neverFail'> = {},
): { attempt: number; fails: boolean } {
  const attempt = attemptOf(entry) + (options.countsAsAttempt === false ? 0 : 1);
  return { attempt, fails: attempt > spool.thresholds.maxAttempts && !options.neverFail };
}

export async function requeue(spool: Spool, held: EntryLock | undefined, id: EntryId, reason: string, options: RequeueOptions = {}): Promise<Requeued> {
  const lock = held ?? (await lockEntry(spool, id, 'requeue'));
  try {
    const source = locate(spool.layout, id).find((l) => l.place.state === 'pending' || l.place.state === 'node');
    if (!source) throw new SpoolError('nothingToDo', `${formatId(id)} is neither pending nor in a node's directory: nothing to requeue`);
    if (source.place.state === 'node' && source.place.node === options.thisNode) {
      throw new SpoolError(
        'nothingToDo',
        `${formatId(id)} is in ${options.thisNode}'s inbox, already waiting for its build: nothing to requeue (only main has scheduled/)`,
      );
    }
    const entry = readEntryFile(source.path, id, source.place);
    if (!entry) throw new SpoolError('nothingToDo', `${formatId(id)} vanished before it could be requeued`);
    const { attempt, fails } = nextAttempt(spool, entry, options);
    const back = source.place.state === 'pending' ? nodePlace(requireNode(entry)) : SCHEDULED;
    const to = fails ? FAILED : back;
    let moved = withFields(entry, [
      ['Attempt', String(attempt)],
      ['Last-Failure', reason.replace(/\n/g, ' ') || 'unspecified'],
      ['Requeued', new Date(spool.clock.now()).toISOString()],
      ...(options.fields ?? []),
    ]);
    if (to.state === 'scheduled') moved = dropShipping(moved);
    lock.assertHeld();
    rewriteMove(spool, source.path, spool.layout.entryPath(to, id), moved, 'requeue');
    return { from: source.place, to, attempt };
  } finally {
    await lock.release();
  }
}

function requireNode(entry: Entry): string {
  const node = nodeOf(entry);
  if (!node) throw new SpoolError('integrity', `pending entry ${formatId(entry.id)} names no Node: cannot tell whose inbox it came from`);
  return node;
}

function dropShipping(entry: Entry): Entry {
  const fields = entry.fields.clone();
  fields.delete('Node');
  fields.delete('Job');
  fields.delete('Build-Number');
  return { ...entry, fields };
}
