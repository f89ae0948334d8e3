/** What every transition needs: where the spool is, its thresholds, and the clock. */
import { type Clock, systemClock } from '../clock.js';
import { Layout } from './layout.js';

export interface Thresholds {
  /** A lock not refreshed for this long belongs to a dead or hung process. */
  readonly lockStaleMs: number;
  /** How often a holder refreshes its lock; well under lockStaleMs. */
  readonly lockUpdateMs: number;
  /** A build older than this is killed and handed back, however alive it looks. */
  readonly maxBuildMs: number;
  /** After this many attempts an entry goes to failed/ instead of back to its queue. */
  readonly maxAttempts: number;
  /** Between SIGTERM and SIGKILL when the reaper ends a leftover build. */
  readonly killGraceMs: number;
  /** Temp files of processes the reaper cannot judge (other hosts) are removed after this. */
  readonly tmpMaxAgeMs: number;
  /**
   * Complete results nobody fetched (their job died, their entry went to failed/) are
   * removed after this: main fetches a build's results as soon as it ends.
   */
  readonly abandonedMaxAgeMs: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  lockStaleMs: 60_000,
  lockUpdateMs: 15_000,
  maxBuildMs: 18 * 3600_000,
  maxAttempts: 3,
  killGraceMs: 10_000,
  tmpMaxAgeMs: 24 * 3600_000,
  abandonedMaxAgeMs: 2 * 24 * 3600_000,
};

export interface Spool {
  readonly layout: Layout;
  readonly thresholds: Thresholds;
  readonly clock: Clock;
}

export function openSpool(root: string, thresholds: Partial<Thresholds> = {}, clock: Clock = systemClock): Spool {
  return { layout: new Layout(root), thresholds: { ...DEFAULT_THRESHOLDS, ...thresholds }, clock };
}
