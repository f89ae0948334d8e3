/**
 * advance (main): moves the job's entry from $NODE1's outbox to $NODE2's after build 1,
 * setting Node: $NODE2 and Build-Number: 2.
 *
 * Lock: the job's entry lock (purpose "job"), held by the caller throughout.
 * Faults: advance:after-temp (orphan temp: removed); advance:after-link / advance:after-write
 * (the entry in both outboxes: the reaper keeps the one with the higher Build-Number);
 * advance:after-unlink (in $NODE2's outbox with a dead job: back to scheduled/, Attempt+1).
 */
import { type Entry, shippedTo } from '../entry.js';
import { nodePlace } from '../layout.js';
import type { EntryLock } from '../lock.js';
import { rewriteMove } from '../relocate.js';
import type { Spool } from '../spool.js';

export function advance(spool: Spool, lock: EntryLock, entry: Entry, fromNode: string, toNode: string): Entry {
  const moved = shippedTo(entry, toNode, 2);
  lock.assertHeld();
  rewriteMove(spool, spool.layout.entryPath(nodePlace(fromNode), entry.id), spool.layout.entryPath(nodePlace(toNode), entry.id), moved, 'advance');
  return moved;
}
