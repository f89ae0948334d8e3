/**
 * The order jobs build scheduled entries in (pick): the highest Priority first (an
 * operator's --priority), then manual requests, then the earliest due time: the entry's
 * Scheduled time moved by its category's offset (categories.ts). An entry without a
 * Category (scheduled before categories existed, or by `enqueue`) is due at its
 * Scheduled time; one whose Scheduled does not parse goes last.
 */
import { type Entry, priorityOf } from '../spool/entry.js';
import { type Category, DUE_OFFSET_HOURS, isCategory } from './categories.js';

export interface BuildOrderKey {
  readonly priority: number;
  readonly category?: Category;
  /** Scheduled moved by the category's offset, in ms; Infinity when unknown. */
  readonly dueMs: number;
}

const HOUR_MS = 3600_000;

export function dueMsOf(scheduled: string | undefined, category: Category | undefined): number {
  const at = scheduled === undefined ? NaN : Date.parse(scheduled);
  if (Number.isNaN(at)) return Infinity;
  return at + (category ? DUE_OFFSET_HOURS[category] * HOUR_MS : 0);
}

export function buildOrderKeyOf(entry: Entry): BuildOrderKey {
  const category = entry.fields.get('Category');
  const known = isCategory(category) ? category : undefined;
  return { priority: priorityOf(entry), category: known, dueMs: dueMsOf(entry.fields.get('Scheduled'), known) };
}

/** Negative when a builds before b. */
export function compareBuildOrder(a: BuildOrderKey, b: BuildOrderKey): number {
  const manual = (k: BuildOrderKey) => (k.category === 'manual' ? 0 : 1);
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (manual(a) !== manual(b)) return manual(a) - manual(b);
  if (a.dueMs === b.dueMs) return 0;
  return a.dueMs < b.dueMs ? -1 : 1;
}
