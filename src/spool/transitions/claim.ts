/**
 * claim (node): moves the next entry of this node's inbox to pending/, immediately,
 * before anything is downloaded, so each entry is built once and a dead build is seen.
 *
 * Lock: the entry lock, purpose "build", taken before the move; the builder keeps it
 * (refreshed) while it works. The entry is moved unchanged with link(2) then unlink(2):
 * of N racing claimers exactly one link succeeds.
 * Faults: claim:after-lock (entry still in the inbox, dead lock: broken by the reaper);
 * claim:after-link (one inode in inbox and pending: the reaper unlinks the pending name);
 * claim:after-unlink (pending with a dead holder: back to the inbox with Attempt+1).
 */
import { nodePlace, PENDING } from '../layout.js';
import { moveNoReplace } from '../../durable/atomic.js';
import type { Spool } from '../spool.js';
import { type TakeOptions, type Taken, takeEach, takeNext } from './take-next.js';

export interface ClaimOptions {
  readonly node: string;
  readonly suite?: string;
  readonly arch?: string;
  /** Only this entry (a main job that shares the node with others asks for its own). */
  readonly pkg?: string;
  readonly version?: string;
  readonly onConflict?: TakeOptions['onConflict'];
}

export async function claim(spool: Spool, options: ClaimOptions): Promise<Taken | undefined> {
  return takeNext(spool, claimOptions(spool, options));
}

/** Claims entry after entry from one walk of the inbox; the consumer owns each yielded lock. */
export function claimEach(spool: Spool, options: ClaimOptions): AsyncGenerator<Taken> {
  return takeEach(spool, claimOptions(spool, options));
}

function claimOptions(spool: Spool, options: ClaimOptions): TakeOptions {
  return {
    from: nodePlace(options.node),
    suite: options.suite,
    arch: options.arch,
    pkg: options.pkg,
    version: options.version,
    onConflict: options.onConflict,
    purpose: 'build',
    faultLabel: 'claim',
    move: (entry, source) => (moveNoReplace(spool.layout, source, spool.layout.entryPath(PENDING, entry.id), 'claim') === 'moved' ? entry : undefined),
  };
}
