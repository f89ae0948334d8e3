/**
 * Why a package is scheduled, and what that means for the order jobs build it in. One
 * declaration per category: the scheduler's queries, the build order of pick, the
 * configuration's limits, the dashboard's queue page and status all derive from it.
 * The policy is the one of the scheduler this project replaces (README.md, "Keeping an
 * archive checked").
 */
import type { Verdict } from '../store/records.js';

/** Category words, in the order `schedule --auto` fills them (manual requests come from operators, never from it). */
export const CATEGORIES = ['manual', 'untested', 'new', 'FTBFS', 'depwait', 'E404', 'old'] as const;
export type Category = (typeof CATEGORIES)[number];

/** What `schedule --auto` chooses by itself, in the order it fills the queue. */
export const AUTO_CATEGORIES = ['untested', 'new', 'FTBFS', 'depwait', 'E404', 'old'] as const satisfies readonly Category[];
export type AutoCategory = (typeof AUTO_CATEGORIES)[number];

/** The categories that retry a failure of the package's own: the verdict each one retries. */
export const RETRIED_VERDICTS = { depwait: 'depwait', E404: 'E404', FTBFS: 'FTBFS' } as const satisfies Partial<Record<AutoCategory, Verdict>>;
export type RetryCategory = keyof typeof RETRIED_VERDICTS;

/**
 * How much earlier (negative) or later than its Scheduled time an entry of each category
 * is due: a new upload scheduled now goes before an untested package scheduled up to 12
 * hours ago, and an old re-test waits 12 hours behind everything scheduled with it, yet
 * nothing waits for ever behind newer work. Manual requests go before all of them.
 */
export const DUE_OFFSET_HOURS: Readonly<Record<Category, number>> = { manual: 0, new: -24, untested: -12, depwait: -6, E404: 0, FTBFS: 6, old: 12 };

/** What each category means, for people (status, the queue page, --help). */
export const CATEGORY_MEANING: Readonly<Record<Category, string>> = {
  manual: 'requested by an operator',
  untested: 'never tested',
  new: 'a newer version than the one tested',
  FTBFS: 'failed to build, retried',
  depwait: 'build dependencies were not satisfiable, retried',
  E404: 'the sources could not be downloaded, retried',
  old: 're-test of an unchanged version (its build dependencies may have changed)',
};

export function isCategory(value: string | undefined): value is Category {
  return (CATEGORIES as readonly string[]).includes(value ?? '');
}
