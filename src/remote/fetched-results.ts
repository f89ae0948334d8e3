/**
 * What main believes of a build node: nothing it has not checked. The node's answer to
 * `build N --json` must be one of the build statuses with a finite duration no longer than
 * the remote command could run. The results it hands over are listed first (plain files,
 * bounded in number and bytes) and, once copied, must be the results of exactly the build
 * main asked for: the `result` marker names the entry, the node, the build number, the
 * .dsc's sha256 and the status the node answered, and a built result holds a .buildinfo
 * and at least one .deb. Anything else is a NodeIntegrityError (exit 5: the entry goes
 * back with Attempt+1 and the node's health is charged), never a verdict.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { Deb822Error, type Stanza, parseStanzas } from '../debian/deb822.js';
import { NodeIntegrityError, errnoCode, quoteValue } from '../errors.js';
import { BUILD_STATUSES, type BuildNumber, type BuildStatus } from '../spool/build-status.js';
import type { EntryId } from '../spool/identity.js';
import { BUILD_LOG, RESULT_MARKER } from '../spool/layout.js';
import { isPackageFile } from '../builder/compare.js';

/** More files than this in one build's results is not a build's output (the largest Debian sources make a few hundred .debs). */
export const MAX_RESULT_FILES = 10_000;
/** The small files of a results directory (result, variations, entry) are read only up to this. */
const MAX_MARKER_BYTES = 256 * 1024;
/** What a results directory may hold: plain names, no dot files, no path separators. */
const RESULT_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+~-]*$/;

export interface BuildAnswer {
  readonly status: BuildStatus;
  readonly durationSeconds: number;
}

/** The node's stdout for `build N --json`; maxDurationSeconds: how long the remote command could have run at most. */
export function parseBuildAnswer(node: string, buildNumber: BuildNumber, stdout: string, maxDurationSeconds: number): BuildAnswer {
  const refuse = (why: string) => new NodeIntegrityError(node, `node ${node} answered build ${buildNumber} with ${why}; no verdict is taken from it`);
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    throw refuse(`output that is not JSON: ${quoteValue(stdout.slice(0, 200))}`);
  }
  const schema = z.object({
    status: z.enum(BUILD_STATUSES),
    durationSeconds: z.number().finite().min(0).max(maxDurationSeconds),
  });
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = issue.path.join('.') || '(top level)';
  const value = issue.path.length === 0 ? json : typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[key] : undefined;
  // JSON shows 1e999 (Infinity) as null: a number is shown as JavaScript reads it.
  const given = value === undefined ? 'missing' : typeof value === 'number' ? String(value) : JSON.stringify(value).slice(0, 200);
  const expected =
    key === 'status'
      ? `one of ${BUILD_STATUSES.join(', ')}`
      : key === 'durationSeconds'
        ? `a number of seconds from 0 to ${maxDurationSeconds}`
        : 'an object with status and durationSeconds';
  throw refuse(`${key} ${given}: expected ${expected}`);
}

export interface ListedFile {
  readonly name: string;
  readonly size: number;
}

/**
 * The node's listing of its results directory (`find DIR -mindepth 1 -printf '%y %s %P\n'`),
 * checked before anything is copied: plain files with plain names, within the bounds.
 */
export function parseResultListing(node: string, listing: string, maxBytes: number): ListedFile[] {
  const refuse = (why: string) => new NodeIntegrityError(node, `node ${node}'s results ${why}; nothing was fetched`);
  const files: ListedFile[] = [];
  let total = 0;
  for (const line of listing.split('\n')) {
    if (line === '') continue;
    const match = /^(\S) ([0-9]+) (.*)$/.exec(line);
    if (!match) throw refuse(`listing holds ${quoteValue(line.slice(0, 200))}: expected "TYPE SIZE NAME"`);
    const [, type, size, name] = match as unknown as [string, string, string, string];
    if (type !== 'f') throw refuse(`hold ${quoteValue(name)}, which is not a plain file (find type ${type})`);
    if (!RESULT_FILE_NAME.test(name)) throw refuse(`hold a file named ${quoteValue(name)}: expected a plain file name`);
    files.push({ name, size: Number(size) });
    total += Number(size);
    if (files.length > MAX_RESULT_FILES) throw refuse(`hold more than ${MAX_RESULT_FILES} files`);
    if (total > maxBytes) throw refuse(`hold more than ${maxBytes} bytes (the resultsMaxBytes threshold)`);
  }
  return files;
}

export interface ExpectedResults {
  readonly node: string;
  readonly buildNumber: BuildNumber;
  readonly id: EntryId;
  readonly dscSha256: string;
  readonly status: BuildStatus;
  /** What the node listed before the copy: the copy must be exactly that. */
  readonly listed: readonly ListedFile[];
}

/** Checks a copied results directory against what main asked for and what the node said; throws NodeIntegrityError. */
export function verifyFetchedResults(dir: string, expected: ExpectedResults): void {
  const { node } = expected;
  const refuse = (why: string) =>
    new NodeIntegrityError(node, `the results of build ${expected.buildNumber} from node ${node} ${why}; no verdict is taken from them`);
  const names = fs.readdirSync(dir).sort();
  const listed = new Map(expected.listed.map((f) => [f.name, f.size]));
  for (const name of names) {
    const stat = fs.lstatSync(path.join(dir, name));
    if (!stat.isFile()) throw refuse(`hold ${quoteValue(name)}, which is not a plain file`);
    if (listed.get(name) !== stat.size) throw refuse(`hold ${quoteValue(name)} (${stat.size} bytes), which the node did not list as such`);
  }
  if (names.length !== listed.size) throw refuse(`lack ${[...listed.keys()].filter((n) => !names.includes(n)).join(', ')}, which the node listed`);
  const marker = readSmallStanzas(dir, RESULT_MARKER, refuse, { min: 1 })!;
  const wanted: Array<[string, string]> = [
    ['Source', expected.id.pkg],
    ['Version', expected.id.version],
    ['Suite', expected.id.suite],
    ['Architecture', expected.id.arch],
    ['Node', node],
    ['Build-Number', String(expected.buildNumber)],
    ['Dsc-Sha256', expected.dscSha256],
    ['Status', expected.status],
  ];
  for (const [field, value] of wanted) {
    const given = marker.get(field);
    if (given !== value)
      throw refuse(`have a result marker with ${field} ${given === undefined ? 'missing' : quoteValue(given)}: expected ${quoteValue(value)}`);
  }
  readSmallStanzas(dir, 'variations', refuse, { min: 0 });
  if (!names.includes(BUILD_LOG)) throw refuse(`have no ${BUILD_LOG}`);
  if (expected.status === 'built') {
    if (!names.some(isPackageFile)) throw refuse('say built but hold no .deb');
    if (!names.some((n) => n.endsWith('.buildinfo'))) throw refuse('say built but hold no .buildinfo');
  }
}

/** A small file of the results as one stanza (or none, where that is allowed: a build that never ran varied nothing). */
function readSmallStanzas(dir: string, name: string, refuse: (why: string) => Error, allowed: { min: 0 | 1 }): Stanza | undefined {
  const file = path.join(dir, name);
  let text: string;
  try {
    const stat = fs.lstatSync(file);
    if (stat.size > MAX_MARKER_BYTES) throw refuse(`have a ${name} file of ${stat.size} bytes: expected at most ${MAX_MARKER_BYTES}`);
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') throw refuse(`have no ${name} file`);
    throw error;
  }
  let stanzas: Stanza[];
  try {
    stanzas = parseStanzas(text);
  } catch (error) {
    if (error instanceof Deb822Error) throw refuse(`have a ${name} file that is not deb822 (${error.message})`);
    throw error;
  }
  if (stanzas.length < allowed.min || stanzas.length > 1) throw refuse(`have a ${name} file of ${stanzas.length} stanzas: expected one`);
  return stanzas[0];
}
