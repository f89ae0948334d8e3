/**
 * pick (main): moves the next scheduled entry to $NODE's directory (the outbox of the
 * job that picked it), adding Node: $NODE and Job:.
 *
 * Lock: the entry lock, purpose "job", taken before the move and kept by the caller for
 * the whole orchestration; the reaper reads a dead "job" holder as "put it back".
 * Faults: pick:after-lock (entry still scheduled, dead lock: the reaper breaks it);
 * pick:after-temp (orphan temp: removed); pick:after-link / pick:after-write (entry in
 * scheduled/ and in the outbox: the reaper keeps scheduled/ and unlinks the outbox copy);
 * pick:after-unlink (entry in the outbox, job dead: back to scheduled/ with Attempt+1).
 */
import { withFields } from '../entry.js';
import { SCHEDULED, nodePlace } from '../layout.js';
import { rewriteMove } from '../relocate.js';
import type { Spool } from '../spool.js';
import { type Taken, takeNext } from './take-next.js';

export interface PickOptions {
  readonly node: string;
  readonly suite?: string;
  readonly arch?: string;
  readonly pkg?: string;
  readonly job?: string;
}

export async function pick(spool: Spool, options: PickOptions): Promise<Taken | undefined> {
  const target = nodePlace(options.node);
  return takeNext(spool, {
    from: SCHEDULED,
    suite: options.suite,
    arch: options.arch,
    pkg: options.pkg,
    purpose: 'job',
    job: options.job,
    byPriority: true,
    faultLabel: 'pick',
    move: (entry, source) => {
      const shipped = withFields(entry, [['Node', options.node], ['Build-Number', '1'], ...(options.job ? ([['Job', options.job]] as const) : [])]);
      rewriteMove(spool, source, spool.layout.entryPath(target, entry.id), shipped, 'pick');
      return shipped;
    },
  });
}
