/**
 * The reproducible-notes files: packages.yml (a note per source package: the version it
 * was written for, comments, Debian bug numbers, issue names) and issues.yml (an issue per
 * name: its description and a URL). They come from a repository many people push to, so
 * they are validated strictly: anything but the documented shape is refused with the
 * file, the line and the value (exit 2), before anything is stored.
 *
 * A version is taken as it is written: YAML reads an unquoted 1.10 as the number 1.1,
 * and a Debian version is text.
 */
import fs from 'node:fs';
import { LineCounter, type Node, type Pair, type ParsedNode, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { SpoolError, errnoCode, quoteValue } from '../errors.js';
import { isPackageName, isVersion } from '../spool/names.js';

export interface PackageNote {
  readonly name: string;
  /** The version the note was written for; undefined: the file gives none (the note applies to every version, and import warns). */
  readonly version?: string;
  readonly comments?: string;
  readonly bugs: readonly number[];
  readonly issues: readonly string[];
}

/** A note as read from its file, with the line it starts on (for messages). */
export interface ParsedNote extends PackageNote {
  readonly line: number;
}

export interface IssueDefinition {
  readonly name: string;
  readonly description: string;
  readonly url?: string;
}

/** Issue names become file names (the per-issue pages): letters, digits and _ . + - only. */
export function isIssueName(value: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,199}$/.test(value);
}

/** A note's own keys; any other is refused, so a typo (bug: for bugs:) is not silently dropped. */
const NOTE_KEYS = ['version', 'comments', 'bugs', 'issues'] as const;
const ISSUE_KEYS = ['description', 'url'] as const;

/** A bug number of Debian's BTS. */
const MAX_BUG = 99_999_999;

class NotesFile {
  private readonly lines = new LineCounter();

  constructor(
    readonly file: string,
    readonly text: string,
  ) {}

  lineOf(node: Node | Pair | undefined | null): number {
    const range = node && 'range' in node ? node.range : node && 'key' in node && isScalar(node.key) ? node.key.range : undefined;
    return range ? this.lines.linePos(range[0]).line : 1;
  }

  fail(node: Node | Pair | undefined | null, what: string): never {
    throw new SpoolError('usage', `${this.file}:${this.lineOf(node)}: ${what}`);
  }

  /** The top-level mapping, each key with its value; a file that is not YAML is refused at its first error. */
  entries(): Array<{ key: string; value: ParsedNode | null; pair: Pair<ParsedNode, ParsedNode | null> }> {
    const doc = parseDocument(this.text, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: false });
    const [error] = doc.errors;
    if (error) throw new SpoolError('usage', `${this.file}:${this.lines.linePos(error.pos[0]).line}: not valid YAML: ${error.message.split('\n')[0]}`);
    if (doc.contents === null) return [];
    if (!isMap(doc.contents)) this.fail(doc.contents, 'expected a mapping of names at the top level');
    return doc.contents.items.map((pair) => {
      if (!isScalar(pair.key) || typeof pair.key.value !== 'string') this.fail(pair, `the key ${quoteValue(String(pair.key))}: expected a name`);
      return { key: pair.key.value, value: pair.value, pair };
    });
  }

  /** The value's own keys, each one of the allowed. */
  fields(owner: string, node: ParsedNode | null, allowed: readonly string[], pair: Pair): Map<string, ParsedNode | null> {
    if (!isMap(node)) this.fail(node ?? pair, `${owner}: expected a mapping of ${allowed.join(', ')}`);
    const fields = new Map<string, ParsedNode | null>();
    for (const item of node.items) {
      const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
      if (!allowed.includes(key)) this.fail(item, `${owner}: unknown key ${quoteValue(key)}: expected one of ${allowed.join(', ')}`);
      fields.set(key, item.value);
    }
    return fields;
  }

  scalarText(owner: string, key: string, node: ParsedNode | null | undefined): string | undefined {
    if (node === undefined || node === null || (isScalar(node) && node.value === null)) return undefined; // `comments:` left empty
    const value: unknown = isScalar(node) ? node.value : undefined;
    if (!isScalar(node) || (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean'))
      this.fail(node, `${owner}: ${key}: expected text`);
    // Plain scalars as written (1.10 stays 1.10, not the number 1.1); quoted and block ones as YAML reads them.
    return node.type === 'PLAIN' && node.source !== undefined ? node.source : String(value);
  }

  list(owner: string, key: string, node: ParsedNode | null | undefined): ParsedNode[] {
    if (node === undefined || node === null) return [];
    if (!isSeq(node)) this.fail(node, `${owner}: ${key}: expected a list`);
    return node.items;
  }
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') throw new SpoolError('usage', `${file} does not exist`);
    if (errnoCode(error) === 'EISDIR') throw new SpoolError('usage', `${file} is a directory: expected a YAML file`);
    throw error;
  }
}

export function parsePackagesFile(file: string, text = readText(file)): ParsedNote[] {
  const notes: NotesFile = new NotesFile(file, text);
  return notes.entries().map(({ key: name, value, pair }) => {
    if (!isPackageName(name)) notes.fail(pair, `${quoteValue(name)}: expected a Debian source package name`);
    const fields = notes.fields(name, value, NOTE_KEYS, pair);
    const version = notes.scalarText(name, 'version', fields.get('version'));
    if (version !== undefined && !isVersion(version)) notes.fail(fields.get('version'), `${name}: version ${quoteValue(version)}: expected a Debian version`);
    const bugs = notes.list(name, 'bugs', fields.get('bugs')).map((bug) => {
      const number = isScalar(bug) ? bug.value : undefined;
      if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > MAX_BUG) {
        notes.fail(bug, `${name}: bugs: ${quoteValue(String(isScalar(bug) ? (bug.source ?? bug.value) : bug))}: expected a Debian bug number`);
      }
      return number;
    });
    const issues = notes.list(name, 'issues', fields.get('issues')).map((issue) => {
      const issueName = isScalar(issue) && typeof issue.value === 'string' ? issue.value : undefined;
      if (issueName === undefined || !isIssueName(issueName)) notes.fail(issue, `${name}: issues: ${quoteValue(String(issue))}: expected an issue name`);
      return issueName;
    });
    const comments = notes.scalarText(name, 'comments', fields.get('comments'));
    return { name, version, comments, bugs, issues, line: notes.lineOf(pair) };
  });
}

export function parseIssuesFile(file: string, text = readText(file)): IssueDefinition[] {
  const issues: NotesFile = new NotesFile(file, text);
  return issues.entries().map(({ key: name, value, pair }) => {
    if (!isIssueName(name)) issues.fail(pair, `${quoteValue(name)}: expected an issue name (letters, digits, _ . + -)`);
    const fields = issues.fields(name, value, ISSUE_KEYS, pair);
    const description = issues.scalarText(name, 'description', fields.get('description'));
    if (description === undefined) issues.fail(pair, `${name}: expected a description`);
    const url = issues.scalarText(name, 'url', fields.get('url'));
    if (url !== undefined && !/^https?:\/\/[^\s<>"]+$/.test(url))
      issues.fail(fields.get('url'), `${name}: url ${quoteValue(url)}: expected an http:// or https:// URL`);
    return { name, description, url };
  });
}

/** Every issue a note names must be defined, or its tag would link to nothing. */
export function checkIssuesDefined(packagesFile: string, notes: readonly ParsedNote[], issuesFile: string, issues: readonly IssueDefinition[]): void {
  const defined = new Set(issues.map((i) => i.name));
  for (const note of notes) {
    const missing = note.issues.find((issue) => !defined.has(issue));
    if (missing !== undefined)
      throw new SpoolError('usage', `${packagesFile}:${note.line}: ${note.name}: issue ${quoteValue(missing)} is not defined in ${issuesFile}`);
  }
}
