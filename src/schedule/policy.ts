/**
 * How many packages of a category one scheduler run may add to an architecture's queue
 * (pure; the figures are configuration). A category's tier is chosen by the queue as it
 * stands when the category's turn comes (what earlier categories of the run added
 * included), as the scheduler this project replaces does. Untested packages, retries and
 * old re-tests never fill the queue past queueMax; new versions may go on to 3×
 * queueMax, so that a new upload is never kept out by a backlog; past 3× nothing is added.
 */
import type { Tier } from '../config/scheduler.js';
import type { AutoCategory } from './categories.js';

/** The first tier whose bound the queue is within; the last tier otherwise. */
export function tierLimit(tiers: readonly Tier[], queued: number): number {
  for (const tier of tiers) if (tier.queueAtMost === undefined || queued <= tier.queueAtMost) return tier.perRun;
  return 0;
}

/** What the category may still add when `queued` entries wait for this architecture. */
export function allowance(category: AutoCategory, tiers: readonly Tier[], queued: number, queueMax: number): number {
  const cap = category === 'new' ? 3 * queueMax : queueMax;
  return Math.max(0, Math.min(tierLimit(tiers, queued), cap - queued));
}

/** Whether the architecture's queue is so long that the run adds nothing at all. */
export function isOverfull(queued: number, queueMax: number): boolean {
  return queued >= 3 * queueMax;
}
