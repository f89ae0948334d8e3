/**
 * The daily digest: for each package a maintainer subscribed to, its status changes of
 * one UTC day, as the original's opt-in mail lists them: a change is a check whose verdict
 * differs from the one before it in the same suite and architecture, and changes to or
 * from depwait or E404 are left out (they say the archive moved, not the package). One
 * event per package and day (its id is both), so a digest run twice spools it once.
 */
import type { PastVerdict } from '../store/history.js';
import { type NotifyEvent, makeEvent } from './events.js';

/** Verdicts whose changes are no news to a maintainer. */
const QUIET = ['depwait', 'E404'];

export interface StatusChange {
  readonly suite: string;
  readonly architecture: string;
  readonly version: string;
  readonly from: string;
  readonly to: string;
  readonly at: string;
}

/** The changes in checks (one package's, oldest first) during day (YYYY-MM-DD, UTC). */
export function changesOn(checks: readonly PastVerdict[], day: string): StatusChange[] {
  const previous = new Map<string, PastVerdict>();
  const changes: StatusChange[] = [];
  for (const check of checks) {
    const where = `${check.suite}/${check.architecture}`;
    const before = previous.get(where);
    previous.set(where, check);
    if (!before || !check.buildDate.startsWith(day) || before.verdict === check.verdict) continue;
    if (QUIET.includes(before.verdict) || QUIET.includes(check.verdict)) continue;
    changes.push({
      suite: check.suite,
      architecture: check.architecture,
      version: check.version,
      from: before.verdict,
      to: check.verdict,
      at: check.buildDate,
    });
  }
  return changes;
}

export function digestEvent(name: string, day: string, changes: readonly StatusChange[], recipients: readonly string[], at: string): NotifyEvent {
  const lines = changes.map((c) => `${c.suite}/${c.architecture} ${c.version}: ${c.from} → ${c.to}`);
  return makeEvent('digest', `${name}/${day}`, {
    at,
    summary: `${name}: ${changes.length} reproducibility status change${changes.length === 1 ? '' : 's'} on ${day}`,
    recipients,
    data: { package: name, day, changes, text: lines.join('\n') },
  });
}
