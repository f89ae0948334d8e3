/** What every transition needs: where the spool is, its thresholds, and the clock. */
import { type Clock, systemClock } from '../clock.js';
import { DEFAULT_SETTINGS } from '../config/settings.js';
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

export interface Spool {
  readonly layout: Layout;
  readonly thresholds: Thresholds;
  readonly clock: Clock;
}

/** thresholds: the configured ones (settings.spool); what is not given takes the configuration's default. */
export function openSpool(root: string, thresholds: Partial<Thresholds> = {}, clock: Clock = systemClock): Spool {
  return { layout: new Layout(root), thresholds: { ...DEFAULT_SETTINGS.spool, ...thresholds }, clock };
}
