/** What the reaper did (or, with --dry-run, would do): one record per action. */
export const REAP_ACTIONS = [
  'quarantine',
  'remove-duplicate',
  'finish-completion',
  'remove-abandoned',
  'kill',
  'remove-workdir',
  'requeue',
  'fail',
  'break-lock',
  'remove-temp',
  'remove-results',
  'remove-slot',
  'prune-dir',
] as const;
export type ReapActionKind = (typeof REAP_ACTIONS)[number];

export const ACTION_OUTCOMES = ['done', 'planned', 'skipped', 'error'] as const;
export type ActionOutcome = (typeof ACTION_OUTCOMES)[number];

export interface ReapAction {
  readonly action: ReapActionKind;
  /** Relative to the spool root. */
  readonly path: string;
  readonly reason: string;
  outcome: ActionOutcome;
  detail?: string;
}

export interface ReapReport {
  readonly root: string;
  readonly dryRun: boolean;
  readonly startedAt: string;
  durationMs: number;
  readonly scanned: { entries: number; results: number; locks: number; temps: number };
  readonly actions: ReapAction[];
}

export function countByAction(actions: readonly ReapAction[]): Partial<Record<ReapActionKind, number>> {
  const counts: Partial<Record<ReapActionKind, number>> = {};
  for (const { action } of actions) counts[action] = (counts[action] ?? 0) + 1;
  return counts;
}
