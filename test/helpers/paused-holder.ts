/**
 * A lock holder that pauses past the stale time, as a SIGSTOPped or swapped-out job
 * would: takes an entry's lock, prints "taken", then blocks its event loop (so that
 * proper-lockfile cannot refresh the lock) until the file GO exists, and then goes on as
 * a job does after a pause: with assertHeld (MODE=assert, as before a commit step) or
 * straight to its release (MODE=release), and exits.
 * Usage: node --import tsx paused-holder.ts ROOT GO MODE
 */
import fs from 'node:fs';
import { entryId } from '../../src/spool/identity.js';
import { tryLockEntry } from '../../src/spool/lock.js';
import { openSpool } from '../../src/spool/spool.js';
import { SpoolError } from '../../src/errors.js';

const [root, go, mode] = process.argv.slice(2) as [string, string, 'assert' | 'release'];
const spool = openSpool(root, { lockStaleMs: 2000, lockUpdateMs: 1000 });
const lock = await tryLockEntry(spool, entryId('bookworm', 'amd64', 'hello', '1.0-1'), 'job');
if (!lock) throw new Error('the lock was not free');
process.stdout.write('taken\n');
const pause = new Int32Array(new SharedArrayBuffer(4));
while (!fs.existsSync(go)) Atomics.wait(pause, 0, 0, 50); // blocks: no timer runs meanwhile
let outcome = 'released';
if (mode === 'assert') {
  try {
    lock.assertHeld();
    outcome = 'still held';
  } catch (error) {
    if (!(error instanceof SpoolError)) throw error;
    outcome = `${error.kind}: ${error.message}`;
  }
}
await lock.release();
process.stdout.write(`${outcome}\n`);
