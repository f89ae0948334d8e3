/**
 * A job's checks one after another in one process (`build --job NAME --for SECONDS`,
 * `--max-checks N`), as jenkins.debian.net's workers loop over reproducible_build.sh: a
 * Jenkins run or a cron line no longer buys one check and then idles until its next
 * trigger, and the process start, the configuration and the store are paid once.
 *
 * Each check is exactly the check a single `build --job NAME` makes (its entry claimed,
 * built, recorded, removed); between two checks nothing is held. The loop ends before a
 * check, never inside one: when the queue is empty, after --max-checks checks, once
 * --for has passed (measured on a monotonic clock, so a stepped wall clock neither
 * shortens nor stretches it), or after SIGTERM/SIGINT (which also stops the running
 * check, whose entry goes back). A check that fails (a node unreachable, a pause file)
 * ends the loop with that check's exit code; what was checked before it stays recorded.
 */
import type { CheckVerdict } from '../builder/check.js';
import { SpoolError } from '../errors.js';
import type { Output } from './output.js';

export const LOOP_STOPS = ['queue-empty', 'max-checks', 'time-up', 'signal'] as const;
export type LoopStop = (typeof LOOP_STOPS)[number];

export interface LoopLimits {
  /** At most this many checks. */
  readonly maxChecks: number;
  /** No check starts once this long has passed since the first one started. */
  readonly forMs?: number;
}

/** Why no further check starts, if none does: after `done` checks, `elapsedMs` into the loop. */
export function stopBefore(limits: LoopLimits, done: number, elapsedMs: number, aborted: boolean): LoopStop | undefined {
  if (aborted) return 'signal';
  if (done >= limits.maxChecks) return 'max-checks';
  if (limits.forMs !== undefined && elapsedMs >= limits.forMs) return 'time-up';
  return undefined;
}

export interface LoopSummary {
  readonly checks: number;
  readonly stopped: LoopStop;
  readonly seconds: number;
}

/**
 * Runs `checkOnce` until a stop, printing each verdict as it comes (one JSON object per line
 * with --json) and then the summary. Exit 3 only when the very first check found nothing.
 */
export async function checkRepeatedly(
  out: Output,
  limits: LoopLimits,
  signal: AbortSignal,
  checkOnce: () => Promise<CheckVerdict | undefined>,
  describe: (verdict: CheckVerdict) => string,
  nothingMessage: string,
  monotonicMs: () => number = () => performance.now(),
): Promise<LoopSummary> {
  const started = monotonicMs();
  let checks = 0;
  let stopped: LoopStop | undefined;
  while ((stopped = stopBefore(limits, checks, monotonicMs() - started, signal.aborted)) === undefined) {
    const verdict = await checkOnce();
    if (!verdict) {
      if (checks === 0) throw new SpoolError('nothingToDo', nothingMessage);
      stopped = 'queue-empty';
      break;
    }
    checks++;
    out.line(verdict, () => describe(verdict));
  }
  const summary = { checks, stopped, seconds: Math.round(monotonicMs() - started) / 1000 };
  out.progress(`${checks} check${checks === 1 ? '' : 's'} in ${summary.seconds.toFixed(1)} s; stopped: ${stopped}`);
  out.line(summary, () => '');
  return summary;
}
