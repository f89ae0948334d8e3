/**
 * The one way a chosen package enters scheduled/: an entry carrying the .dsc's sha256
 * and pool path, and why it was scheduled (Category, Reason, Requester, Priority), which
 * travel with it to its verdict. The enqueue transition refuses an identity that is
 * anywhere in the spool already, so a racing scheduler cannot add it twice.
 */
import { CONTROL_CHARACTERS, SpoolError, TargetExistsError } from '../errors.js';
import type { EntryId } from '../spool/identity.js';
import { SCHEDULED } from '../spool/layout.js';
import type { Spool } from '../spool/spool.js';
import { enqueue } from '../spool/transitions/enqueue.js';
import type { Category } from './categories.js';

export interface Placement {
  readonly id: EntryId;
  readonly dscSha256: string;
  readonly dscPath: string;
  readonly category: Category;
  readonly priority: number;
  readonly reason: string;
  readonly requester?: string;
}

/** 'exists' when another process scheduled the same identity between our look and our write. */
export async function placeEntry(spool: Spool, placement: Placement): Promise<'scheduled' | 'exists'> {
  try {
    await enqueue(spool, SCHEDULED, {
      id: placement.id,
      dscSha256: placement.dscSha256,
      extra: [
        ['Dsc-Url', placement.dscPath],
        ['Priority', String(placement.priority)],
        ['Category', placement.category],
        ['Reason', placement.reason],
        ...(placement.requester === undefined ? [] : ([['Requester', placement.requester]] as const)),
      ],
    });
    return 'scheduled';
  } catch (error) {
    if (error instanceof TargetExistsError) return 'exists';
    throw error;
  }
}

const MAX_TEXT = 500;

/** A reason or requester typed by a person: one line of printable text, bounded, or exit 2 naming it. */
export function validateText(what: string, value: string): string {
  if (value.trim() === '') throw new SpoolError('usage', `${what} is empty: expected a line of text`);
  if (CONTROL_CHARACTERS.test(value))
    throw new SpoolError('usage', `${what} ${JSON.stringify(value)} holds a control character: expected one line of printable text`);
  if (value.length > MAX_TEXT) throw new SpoolError('usage', `${what} is ${value.length} characters long: expected at most ${MAX_TEXT}`);
  return value;
}
