/**
 * enqueue: creates a new entry in scheduled/ (main) or directly in a node's directory
 * (a node's inbox, for entries that arrive without a main node).
 *
 * Lock: the entry lock (purpose enqueue), so that the "not anywhere yet" check and the
 * write cannot interleave with another transition of the same entry.
 * Faults: enqueue:after-lock (lock left, nothing written: the reaper removes the dead
 * lock); enqueue:after-temp (a temp in tmp/: the reaper removes temps of dead pids);
 * enqueue:after-link (entry complete, temp still linked: the reaper removes the temp).
 * A rerun then either enqueues or reports the entry as already there (exit 1).
 */
import { SpoolError, TargetExistsError } from '../../errors.js';
import { writeFileAtomic } from '../../durable/atomic.js';
import { type Entry, type NewEntry, formatEntry, newEntry } from '../entry.js';
import { faultPoint } from '../../durable/fault.js';
import { formatId } from '../identity.js';
import { type Place, placeName } from '../layout.js';
import { lockEntry } from '../lock.js';
import { locate } from '../read-entry.js';
import type { Spool } from '../spool.js';

export async function enqueue(spool: Spool, place: Place, input: NewEntry): Promise<Entry> {
  if (place.state === 'pending' || place.state === 'failed') {
    throw new SpoolError('usage', `cannot enqueue into ${place.state}/: expected scheduled or a node's directory`);
  }
  const extra = place.state === 'node' ? [...(input.extra ?? []), ['Node', place.node] as const] : input.extra;
  const entry = newEntry({ ...input, extra }, new Date(spool.clock.now()));
  const lock = await lockEntry(spool, input.id, 'enqueue');
  try {
    faultPoint('enqueue:after-lock');
    const existing = locate(spool.layout, input.id);
    if (existing.length > 0) {
      throw new TargetExistsError(
        existing[0]!.path,
        `${formatId(input.id)} is already in ${existing.map((l) => placeName(l.place)).join(' and ')}: refusing to enqueue it twice`,
      );
    }
    lock.assertHeld();
    writeFileAtomic(spool.layout, spool.layout.entryPath(place, input.id), formatEntry(entry), {
      noReplace: true,
      faultLabel: 'enqueue',
    });
    return entry;
  } finally {
    await lock.release();
  }
}
