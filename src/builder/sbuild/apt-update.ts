/**
 * Whether a build runs apt's update (and dist-upgrade) in its chroot copy. The base
 * chroot keeps its package lists (chroot/create.ts), so while it is young the update
 * only costs time: the daily `chroot update` refreshes the tarball. It runs anyway
 *  - when extra repositories are configured (the base chroot has no lists of theirs);
 *  - on a retry: if the lists named a package the mirror has since dropped, the first
 *    attempt failed installing it (an infrastructure failure, handed back), and the
 *    retry must not fail the same way;
 *  - when the tarball is dated in the future (a clock stepped back): its age is unknown.
 */
import { age } from '../../clock.js';

export interface AptUpdateDecision {
  readonly run: boolean;
  /** For the build's `variations` file (Apt-Update). */
  readonly why: string;
}

export interface AptUpdateFacts {
  readonly nowMs: number;
  readonly chrootCreatedMs: number;
  readonly maxAgeMs: number;
  readonly extraRepositories: number;
  readonly attempt: number;
}

export function aptUpdateOf(f: AptUpdateFacts): AptUpdateDecision {
  const old = f.nowMs - f.chrootCreatedMs;
  if (f.maxAgeMs === 0) return { run: true, why: 'run: every build updates (aptUpdateMaxAgeSeconds is 0)' };
  if (f.extraRepositories > 0) return { run: true, why: 'run: the base chroot has no lists of the configured extra repositories' };
  if (f.attempt > 1) return { run: true, why: `run: attempt ${f.attempt} (a retry updates, in case the lists named packages the mirror has dropped)` };
  if (old < 0) return { run: true, why: 'run: the base chroot is dated in the future (was the clock stepped back?)' };
  if (old >= f.maxAgeMs) return { run: true, why: `run: the base chroot is ${age(old)} old (aptUpdateMaxAgeSeconds: ${age(f.maxAgeMs)})` };
  return { run: false, why: `skipped: the base chroot's package lists are ${age(old)} old, under ${age(f.maxAgeMs)}` };
}
