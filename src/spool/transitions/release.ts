/**
 * release (main): gives an entry in failed/ another chance: failed/ → scheduled/, its
 * Attempt back to 1, Released set, Last-Failure kept (so the check that picks it first
 * clears what earlier attempts left on the nodes, as for any entry handed back). Run by
 * `schedule --auto` for failed entries older than releaseFailedAfterHours, and by
 * `release` for an operator.
 *
 * Lock: the entry lock, purpose "release".
 * Faults: release:after-temp (orphan temp: removed); release:after-link /
 * release:after-write (the entry in failed/ and in scheduled/: the reaper keeps failed/,
 * the later state, so the release simply did not happen and the next one repeats it);
 * release:after-unlink (done; a dead lock is left to break).
 */
import { SpoolError } from '../../errors.js';
import { type Entry, withFields } from '../entry.js';
import { type EntryId, formatId } from '../identity.js';
import { FAILED, SCHEDULED } from '../layout.js';
import { lockEntry } from '../lock.js';
import { locate, readEntryFile } from '../read-entry.js';
import { rewriteMove } from '../relocate.js';
import type { Spool } from '../spool.js';

export async function release(spool: Spool, id: EntryId, fields: ReadonlyArray<readonly [string, string]> = []): Promise<Entry> {
  const lock = await lockEntry(spool, id, 'release');
  try {
    const places = locate(spool.layout, id);
    const failed = places.find((l) => l.place.state === 'failed');
    if (!failed) throw new SpoolError('nothingToDo', `${formatId(id)} is not in failed/: nothing to release`);
    if (places.length > 1) throw new SpoolError('busy', `${formatId(id)} is in two states (a crash leftover): run reap first`);
    const entry = readEntryFile(failed.path, id, FAILED);
    if (!entry) throw new SpoolError('nothingToDo', `${formatId(id)} left failed/ before it could be released`);
    const now = new Date(spool.clock.now()).toISOString();
    const released = withFields(entry, [['Attempt', '1'], ['Released', now], ['Scheduled', now], ...fields]);
    lock.assertHeld();
    rewriteMove(spool, failed.path, spool.layout.entryPath(SCHEDULED, id), released, 'release');
    return released;
  } finally {
    await lock.release();
  }
}
