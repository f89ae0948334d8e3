/**
 * forget (node): removes every trace of an entry its main node gave up on (the job that
 * shipped it died): the copies in this node's inbox or pending/, and its results. First
 * the node's reaper runs, so a build left over by the dead job is ended and its lock
 * broken; a build that is still alive and refreshing its lock makes forget exit 4.
 *
 * Lock: the entry lock (purpose "requeue"), held while removing.
 * Faults: forget:after-unlink (some copies removed, some not): forget is idempotent, and
 * the main job reruns it before shipping the entry again.
 */
import fs from 'node:fs';
import type { EntryId } from '../identity.js';
import { lockEntry } from '../lock.js';
import { faultPoint } from '../fault.js';
import { locate } from '../read-entry.js';
import { reap } from '../reaper/reap.js';
import type { Spool } from '../spool.js';
import { SpoolError } from '../../errors.js';

export interface Forgotten {
  readonly entries: number;
  readonly results: boolean;
}

export async function forget(spool: Spool, node: string, id: EntryId): Promise<Forgotten> {
  try {
    await reap(spool);
  } catch (error) {
    if (!(error instanceof SpoolError && error.kind === 'busy')) throw error; // another reaper is at it: fine
  }
  const lock = await lockEntry(spool, id, 'requeue');
  try {
    const copies = locate(spool.layout, id);
    for (const copy of copies) {
      fs.unlinkSync(copy.path);
      faultPoint('forget:after-unlink');
    }
    const results = spool.layout.resultsPath(node, id);
    const hadResults = fs.existsSync(results);
    fs.rmSync(results, { recursive: true, force: true });
    return { entries: copies.length, results: hadResults };
  } finally {
    await lock.release();
  }
}
