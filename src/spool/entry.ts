/**
 * The entry file (spool-layout.md, "Entry files"): one deb822 stanza naming the source to build and the
 * sha256 of its .dsc. The path says which entry it is; the content must agree with it.
 */
import { CONTROL_CHARACTERS } from '../errors.js';
import { Deb822Error, Stanza, parseStanza } from '../debian/deb822.js';
import type { EntryId } from './identity.js';
import { formatId } from './identity.js';
import type { Place } from './layout.js';
import { BUILD_NUMBERS, type BuildNumber, parseBuildNumber } from './build-status.js';

/** Bigger than any honest entry; a larger file is corrupt, and we never read it whole. */
export const MAX_ENTRY_BYTES = 64 * 1024;
const SHA256 = /^[0-9a-f]{64}$/;

export interface Entry {
  readonly id: EntryId;
  readonly fields: Stanza;
}

/** Thrown for an entry whose content cannot be trusted; the caller quarantines it. */
export class CorruptEntryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptEntryError';
  }
}

export interface NewEntry {
  id: EntryId;
  dscSha256: string;
  extra?: ReadonlyArray<readonly [string, string]>;
}

export function newEntry({ id, dscSha256, extra = [] }: NewEntry, now: Date): Entry {
  const fields = Stanza.of([
    ['Source', id.pkg],
    ['Version', id.version],
    ['Suite', id.suite],
    ['Architecture', id.arch],
    ['Dsc-Sha256', dscSha256],
    ['Scheduled', now.toISOString()],
    ['Attempt', 1],
  ]);
  for (const [name, value] of extra) fields.set(name, value);
  return checkFields(id, fields);
}

/** Parses an entry file's text and checks it against the identity its path gives. */
export function parseEntry(id: EntryId, text: string): Entry {
  if (Buffer.byteLength(text) > MAX_ENTRY_BYTES) throw new CorruptEntryError(`larger than ${MAX_ENTRY_BYTES} bytes`);
  let fields: Stanza;
  try {
    fields = parseStanza(text);
  } catch (error) {
    if (error instanceof Deb822Error) throw new CorruptEntryError(`not a deb822 stanza: ${error.message}`);
    throw error;
  }
  return checkFields(id, fields);
}

function checkFields(id: EntryId, fields: Stanza): Entry {
  const expected: Array<[string, string]> = [
    ['Source', id.pkg],
    ['Version', id.version],
    ['Suite', id.suite],
    ['Architecture', id.arch],
  ];
  for (const [name, value] of expected) {
    const actual = fields.get(name);
    if (actual !== value) {
      throw new CorruptEntryError(`${name} is ${actual === undefined ? 'missing' : JSON.stringify(actual)}, but the path says ${JSON.stringify(value)}`);
    }
  }
  const sha = fields.get('Dsc-Sha256');
  if (sha === undefined || !SHA256.test(sha)) {
    throw new CorruptEntryError(`Dsc-Sha256 is ${sha === undefined ? 'missing' : JSON.stringify(sha)}: expected 64 lowercase hex digits`);
  }
  const attempt = fields.get('Attempt');
  if (attempt !== undefined && !/^[1-9][0-9]{0,5}$/.test(attempt)) {
    throw new CorruptEntryError(`Attempt is ${JSON.stringify(attempt)}: expected a positive integer`);
  }
  for (const [name, value] of fields.entries()) {
    // Multi-line values keep their newlines; any other control character (ESC, OSC…) would drive the terminal of whoever reads the entry.
    if (CONTROL_CHARACTERS.test(value.replace(/\n/g, ''))) throw new CorruptEntryError(`${name} holds a control character: ${JSON.stringify(value)}`);
  }
  const buildNumber = fields.get('Build-Number');
  if (buildNumber !== undefined && parseBuildNumber(buildNumber) === undefined) {
    throw new CorruptEntryError(`Build-Number is ${JSON.stringify(buildNumber)}: expected ${BUILD_NUMBERS.join(' or ')}`);
  }
  return { id, fields };
}

/** Which build an entry is for: its Build-Number, 1 when it has none yet (scheduled, or an inbox entry from a plain enqueue). */
export function buildNumberOf(entry: Entry): BuildNumber {
  return parseBuildNumber(entry.fields.get('Build-Number') ?? '') ?? BUILD_NUMBERS[0];
}

/** Higher is picked first; 0 when the entry says nothing or something that is not an integer. */
export function priorityOf(entry: Entry): number {
  const priority = Number(entry.fields.get('Priority') ?? '0');
  return Number.isInteger(priority) ? priority : 0;
}

export function attemptOf(entry: Entry): number {
  return Number(entry.fields.get('Attempt') ?? '1');
}

/** The node an entry was shipped to, recorded when it was placed in a node's directory. */
export function nodeOf(entry: Entry): string | undefined {
  return entry.fields.get('Node');
}

/** The entry as shipped to a node for one of the check's two builds: Node and Build-Number, and what main tells that node (Clock). */
export function shippedTo(entry: Entry, node: string, buildNumber: BuildNumber, extra: ReadonlyArray<readonly [string, string]> = []): Entry {
  return withFields(entry, [['Node', node], ['Build-Number', String(buildNumber)], ...extra]);
}

export function formatEntry(entry: Entry): string {
  return entry.fields.toString();
}

/** An entry in a node's directory, or pending on a node, must say which node it was meant for. */
export function checkPlacement(entry: Entry, place: Place): void {
  if (place.state === 'pending' && nodeOf(entry) === undefined) {
    throw new CorruptEntryError(`pending entry ${formatId(entry.id)} has no Node field: cannot tell whose inbox it came from`);
  }
  if (place.state === 'node' && nodeOf(entry) !== place.node) {
    throw new CorruptEntryError(`Node is ${JSON.stringify(nodeOf(entry) ?? null)} but the entry ${formatId(entry.id)} sits in ${place.node}'s directory`);
  }
}

export function withFields(entry: Entry, changes: ReadonlyArray<readonly [string, string]>): Entry {
  const fields = entry.fields.clone();
  for (const [name, value] of changes) fields.set(name, value);
  return checkFields(entry.id, fields);
}
