/**
 * forget (node): removes every trace of an entry its main node gave up on (the job that
 * shipped it died): the copies in this node's inbox or pending/, and its results. First
 * the node's reaper runs, so a build left over by the dead job is ended (its process
 * group, workdir and chroot copy, which only its lock owner record names) and its lock
 * broken. When another reaper is running, forget waits for it and then reaps itself:
 * taking a dead holder's lock over directly would lose that record and leave its build
 * behind for good. A build that is still alive and refreshing its lock makes forget exit 4.
 *
 * Not a transition (it lives beside them): it runs the reaper, which uses the transitions.
 *
 * Lock: the entry lock (purpose "forget"), held while removing.
 * Faults: forget:after-unlink (some copies removed, some not): forget is idempotent, and
 * the main job reruns it before shipping the entry again.
 */
import fs from 'node:fs';
import { type EntryId, formatId } from './identity.js';
import { judgeLock, lockEntry } from './lock.js';
import { faultPoint } from '../durable/fault.js';
import { locate } from './read-entry.js';
import { reap } from './reaper/reap.js';
import type { Spool } from './spool.js';
import { SpoolError } from '../errors.js';
import { sleep } from '../retry.js';

export interface Forgotten {
  readonly entries: number;
  readonly results: boolean;
}

/** How often forget looks again while another reaper runs. */
const REAPER_POLL_MS = 200;

export async function forget(spool: Spool, node: string, id: EntryId): Promise<Forgotten> {
  await reapWhenFree(spool, node);
  // A holder that died right after that pass is found by a second one.
  if (judgeLock(spool, id).health === 'stale') await reapWhenFree(spool, node);
  if (judgeLock(spool, id).health === 'stale') {
    throw new SpoolError('busy', `${formatId(id)}: its lock's holder died while forget ran; run reap (it ends what that holder left), then forget again`);
  }
  const lock = await lockEntry(spool, id, 'forget');
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

/** Runs the reaper, waiting (up to twice the stale time) for one that is already running. */
async function reapWhenFree(spool: Spool, node: string): Promise<void> {
  const deadline = spool.clock.now() + 2 * spool.thresholds.lockStaleMs + spool.thresholds.killGraceMs;
  for (;;) {
    try {
      await reap(spool, { thisNode: node });
      return;
    } catch (error) {
      if (!(error instanceof SpoolError && error.kind === 'busy')) throw error;
      if (spool.clock.now() > deadline) throw new SpoolError('busy', `another reaper kept ${spool.layout.root} for too long: ${error.message}`);
      await sleep(REAPER_POLL_MS);
    }
  }
}
