/**
 * The configuration's "scheduler" key (README.md, "Keeping an archive checked"): how big
 * each architecture's queue may grow, when a package is re-tested or retried, and how
 * many packages of each category one run adds, in tiers that shrink as the queue grows.
 * Validated strictly (an unknown category or a negative age is exit 2 naming the key) and
 * resolved once into the units the scheduler uses.
 */
import { z } from 'zod';
import { AUTO_CATEGORIES, type AutoCategory, RETRIED_VERDICTS, type RetryCategory } from '../schedule/categories.js';
import { isName } from '../spool/names.js';

/** One tier: while the queue holds at most queueAtMost entries, add at most perRun; the last tier has no bound. */
export interface Tier {
  readonly queueAtMost?: number;
  readonly perRun: number;
}

/** A value that may differ per architecture: byArch, else fallback. */
export interface PerArch {
  readonly byArch: Readonly<Record<string, number>>;
  readonly fallback: number;
}

export interface SchedulerSettings {
  /** Above this an architecture gets only new versions; above 3× nothing at all. */
  readonly queueMax: PerArch;
  /** A verdict older than this is re-tested (category old). */
  readonly retestAfterMs: PerArch;
  /** A depwait, E404 or FTBFS verdict older than this is retried. */
  readonly retryAfterMs: Readonly<Record<RetryCategory, number>>;
  /** An entry in failed/ older than this goes back to scheduled/ (Attempt 1) when the scheduler runs. */
  readonly releaseFailedAfterMs: number;
  readonly limits: Readonly<Record<AutoCategory, readonly Tier[]>>;
  /** Manual requests one requester may make in 24 hours. */
  readonly manualDailyLimit: number;
}

const MAX_QUEUE = 1_000_000;
const MAX_DAYS = 3650;
const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

const archKey = z.string().refine((key) => key === '*' || isName('architecture', key), { message: "expected an architecture name or '*'" });
/** A number, or {"amd64": N, "armhf": M, "*": fallback}. */
function perArch(value: z.ZodNumber, fallback: number) {
  return z.union([value, z.record(archKey, value)]).default(fallback);
}

const queueSize = z.number().int().min(1).max(MAX_QUEUE);
const days = z.number().positive().max(MAX_DAYS);
const hours = (fallback: number) =>
  z
    .number()
    .positive()
    .max(MAX_DAYS * 24)
    .default(fallback);

const perRun = z.number().int().min(0).max(MAX_QUEUE);
const tiers = z
  .union([
    perRun,
    z
      .array(z.object({ queueAtMost: queueSize.optional(), perRun }).strict())
      .min(1)
      .max(10)
      .superRefine((list, context) => {
        list.forEach((tier, index) => {
          const last = index === list.length - 1;
          if (last && tier.queueAtMost !== undefined)
            context.addIssue({ code: 'custom', path: [index, 'queueAtMost'], message: 'the last tier applies to any queue: leave queueAtMost out' });
          if (!last && tier.queueAtMost === undefined)
            context.addIssue({ code: 'custom', path: [index, 'queueAtMost'], message: 'every tier but the last needs queueAtMost' });
          const before = list[index - 1]?.queueAtMost;
          if (!last && before !== undefined && tier.queueAtMost !== undefined && tier.queueAtMost <= before)
            context.addIssue({ code: 'custom', path: [index, 'queueAtMost'], message: `expected more than the tier before (${before})` });
        });
      }),
  ])
  .transform((value): Tier[] => (typeof value === 'number' ? [{ perRun: value }] : value));

/**
 * The defaults of the scheduler this project replaces (amd64, a stable suite): 255
 * untested and every E404 up to 255 per run; new versions, FTBFS, depwait and old
 * re-tests in tiers at queues of 1,000 and 1,500.
 */
const DEFAULT_LIMITS: Record<AutoCategory, z.input<typeof tiers>> = {
  untested: 255,
  new: [{ queueAtMost: 1000, perRun: 500 }, { queueAtMost: 1500, perRun: 750 }, { perRun: 150 }],
  FTBFS: [{ queueAtMost: 1000, perRun: 40 }, { queueAtMost: 1500, perRun: 20 }, { perRun: 5 }],
  depwait: [{ queueAtMost: 1000, perRun: 400 }, { queueAtMost: 1500, perRun: 200 }, { perRun: 50 }],
  E404: 255,
  old: [{ queueAtMost: 1000, perRun: 1000 }, { queueAtMost: 1500, perRun: 850 }, { perRun: 0 }],
};

// prefault, not default: the default is parsed like a configured value (a number becomes one tier).
const limitsShape = Object.fromEntries(AUTO_CATEGORIES.map((c) => [c, tiers.prefault(DEFAULT_LIMITS[c])])) as Record<AutoCategory, z.ZodPrefault<typeof tiers>>;
const retryShape = { depwait: hours(48), E404: hours(12), FTBFS: hours(72) } satisfies Record<RetryCategory, unknown>;

export const SchedulerSchema = z
  .object({
    queueMax: perArch(queueSize, 2000),
    retestAfterDays: perArch(days, 9),
    retryAfterHours: z.object(retryShape).strict().prefault({}),
    releaseFailedAfterHours: hours(72),
    limits: z.object(limitsShape).strict().prefault({}),
    manualDailyLimit: z.number().int().min(0).max(MAX_QUEUE).default(500),
  })
  .strict();

export type SchedulerConfig = z.infer<typeof SchedulerSchema>;

function resolvePerArch(value: number | Record<string, number>, fallback: number, scale: number): PerArch {
  if (typeof value === 'number') return { byArch: {}, fallback: value * scale };
  const { '*': star, ...byArch } = value;
  return { byArch: Object.fromEntries(Object.entries(byArch).map(([arch, n]) => [arch, n * scale])), fallback: (star ?? fallback) * scale };
}

export function resolveScheduler(config: SchedulerConfig): SchedulerSettings {
  return {
    queueMax: resolvePerArch(config.queueMax, 2000, 1),
    retestAfterMs: resolvePerArch(config.retestAfterDays, 9, DAY_MS),
    retryAfterMs: Object.fromEntries(Object.keys(RETRIED_VERDICTS).map((c) => [c, config.retryAfterHours[c as RetryCategory] * HOUR_MS])) as Record<
      RetryCategory,
      number
    >,
    releaseFailedAfterMs: config.releaseFailedAfterHours * HOUR_MS,
    limits: config.limits,
    manualDailyLimit: config.manualDailyLimit,
  };
}

export function forArch(value: PerArch, arch: string): number {
  return value.byArch[arch] ?? value.fallback;
}
