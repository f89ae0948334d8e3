/** Runs (or, in a dry run, only records) reaper actions, so every rule reports the same way. */
import { SpoolError } from '../../errors.js';
import type { Spool } from '../spool.js';
import type { ReapAction, ReapActionKind } from './report.js';
import type { Signaller } from './kill.js';

export interface ReapContext {
  readonly spool: Spool;
  readonly dryRun: boolean;
  /** Set when this spool is a node's: the name of its inbox (a node directory on main is an outbox). */
  readonly thisNode?: string;
  readonly signaller: Signaller;
  readonly actions: ReapAction[];
  /** Set when the reaper lock was lost (we stalled past lockStaleMs): stop acting at once. */
  readonly guard: { lost?: Error };
}

/** Records an action and runs it unless this is a dry run; a failing action is reported, not fatal. */
export async function act(ctx: ReapContext, action: ReapActionKind, target: string, reason: string, run: () => unknown): Promise<boolean> {
  const record: ReapAction = { action, path: ctx.spool.layout.relative(target), reason, outcome: 'planned' };
  ctx.actions.push(record);
  if (ctx.dryRun) return true;
  if (ctx.guard.lost) {
    record.outcome = 'skipped';
    throw new SpoolError('busy', `reaper lock lost (${ctx.guard.lost.message}): another reaper took over`);
  }
  try {
    const detail = await run();
    record.outcome = 'done';
    if (typeof detail === 'string') record.detail = detail;
    return true;
  } catch (error) {
    record.outcome = 'error';
    record.detail = error instanceof Error ? error.message : String(error);
    return false;
  }
}
