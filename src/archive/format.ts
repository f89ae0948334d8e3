/**
 * The archive's format, the one place that knows it (spool-layout.md is the prose version):
 *
 *   archive/$SUITE/$ARCH/$PKG/.gone-since         the date `archive prune` first saw $PKG gone from its catalogue (gone.ts)
 *   archive/$SUITE/$ARCH/$PKG/$VERSION/$TIME/   one check, $TIME its ISO date with ':' and '.' as '-'
 *     build1/ build2/        each build's results (BUILD_NUMBERS), as the node returned them, with its signed rebuild.link
 *     diffoscope.html/.txt   the report, for an unreproducible verdict
 *     versus-archive/        reports of build 1's .debs that differ from the archive's (versus-archive.ts)
 *     record.json            its reproducible.db record, written first
 *     verdict.link           main's signed in-toto statement of the builds' links, verdict and record (src/trust/)
 *     verdict                its verdict (VERDICT_FIELDS), the commit point
 *   .removing-$TIME          a check `archive prune` is removing
 *
 * The verdict file is written and parsed here, from one field table, so that a field
 * added to it is added to both.
 */
import path from 'node:path';
import { type DiffoscopeOutcome, DIFFOSCOPE_OUTCOMES } from '../builder/diffoscope.js';
import { CAUSES_SEPARATOR, type DifferingFile, describeDifferingFile } from '../builder/diffoscope-report.js';
import { Stanza } from '../debian/deb822.js';
import { SpoolError } from '../errors.js';
import { type BuildNumber, BUILD_NUMBERS, parseBuildNumber } from '../spool/build-status.js';
import type { EntryId } from '../spool/identity.js';
import type { Layout } from '../spool/layout.js';
import { type Verdict, VERDICTS } from '../store/records.js';
import { EXPLAIN_OUTCOMES, type ExplainOutcome } from '../explain/search.js';
import { type DebVersusArchive, formatVersusArchive, parseVersusArchive } from './versus-archive.js';

export const RECORD_FILE = 'record.json';
export const VERDICT_FILE = 'verdict';
export const REMOVING_PREFIX = '.removing-';
export const GONE_MARK = '.gone-since';
/** diffoscope's reports in a check directory; the JSON one is what Differing-Files and its cause tags are read from. */
export const REPORT_FILES = { html: 'diffoscope.html', text: 'diffoscope.txt', json: 'diffoscope.json' } as const;
export const REPORT_NAMES: readonly string[] = Object.values(REPORT_FILES);

/** The reports' paths in a check directory (diffoscope writes them there). */
export function reportPaths(check: string): { readonly [K in keyof typeof REPORT_FILES]: string } {
  return { html: path.join(check, REPORT_FILES.html), text: path.join(check, REPORT_FILES.text), json: path.join(check, REPORT_FILES.json) };
}

export function archiveRoot(layout: Layout): string {
  return path.join(layout.root, 'archive');
}

/** What a concluded check's record is keyed by (its journal id in reproducible.db): its directory, relative to the root. */
export const CHECK_KEY_PREFIX = 'check ';

export function checkKey(relativeDir: string): string {
  return `${CHECK_KEY_PREFIX}${relativeDir}`;
}

/** A check's directory (names in EntryId are validated, so it stays inside the archive). */
export function checkDir(layout: Layout, id: EntryId, checkedAt: string): string {
  return path.join(archiveRoot(layout), id.suite, id.arch, id.pkg, id.version, checkedAt.replace(/[:.]/g, '-'));
}

/** The time (ms since the epoch) a check directory's name stands for; undefined for another name. */
export function checkTimeOf(name: string): number | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z$/.exec(name);
  return match ? Date.parse(`${match[1]}T${match[2]}:${match[3]}:${match[4]}.${match[5]}Z`) : undefined;
}

export function buildDirName(n: BuildNumber): string {
  return `build${n}`;
}

export const BUILD_DIR_NAMES: readonly string[] = BUILD_NUMBERS.map(buildDirName);

export function buildDir(check: string, n: BuildNumber): string {
  return path.join(check, buildDirName(n));
}

/** A verdict file that is not one (edited by hand, a disk that lied): exit 5, naming the file and the field. */
export class VerdictFileError extends SpoolError {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super('integrity', `${file}: ${problem}`);
    this.name = 'VerdictFileError';
  }
}

/** What a check's verdict file says. */
export interface ArchivedVerdict {
  readonly source: string;
  readonly version: string;
  readonly suite: string;
  readonly architecture: string;
  readonly verdict: Verdict;
  /** Which scheduling this verdict concludes: a check killed before removing its entry is finished, not repeated (concluded.ts). */
  readonly scheduled?: string;
  readonly category?: string;
  readonly reason?: string;
  readonly requester?: string;
  readonly detail?: string;
  readonly unsatisfiable?: string;
  readonly failsOnlyIn?: BuildNumber;
  /** The variations build 2 did not vary (chosen off by the `variations` key or `--vary`); none: it varied all. */
  readonly notVaried?: readonly string[];
  /** An explanation (explain): the date of the check it explains, its outcome, its culprits and the builds it ran. */
  readonly explains?: string;
  readonly explained?: ExplainOutcome;
  readonly culprits?: ReadonlyArray<readonly string[]>;
  readonly explainBuilds?: number;
  readonly date: string;
  readonly differing?: readonly string[];
  readonly onlyInBuild1?: readonly string[];
  readonly onlyInBuild2?: readonly string[];
  readonly environmentChanged?: readonly string[];
  readonly differingFiles?: readonly DifferingFile[];
  readonly diffoscope?: DiffoscopeOutcome;
  /** Build 1's .debs against the archive's (versus-archive.ts); why they were not compared, if they were not. */
  readonly versusArchive?: readonly DebVersusArchive[];
  readonly versusArchiveUnavailable?: string;
}

/** A field's text both ways; parse gives undefined for a text that is not one, `expected` saying what would be. */
interface Codec<T> {
  format(value: T): string | undefined;
  parse(text: string): T | undefined;
  readonly expected?: string;
}

const text: Codec<string> = { format: (v) => v, parse: (t) => t };

const oneOf = <T extends string>(words: readonly T[]): Codec<T> => ({
  format: (v) => v,
  parse: (t) => words.find((w) => w === t),
  expected: `one of ${words.join(' ')}`,
});

const names: Codec<readonly string[]> = { format: (v) => v.join(' ') || undefined, parse: (t) => t.split(/\s+/).filter(Boolean) };

const commaNames: Codec<readonly string[]> = {
  format: (v) => v.join(', ') || undefined,
  parse: (t) =>
    t
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean),
};

/** Culprit groups: "clock, build-path", a group that differs only together as "locale+umask". */
const culpritGroups: Codec<ReadonlyArray<readonly string[]>> = {
  format: (groups) => groups.map((g) => g.join('+')).join(', ') || undefined,
  parse: (t) =>
    t
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean)
      .map((g) => g.split('+')),
};

const count: Codec<number> = {
  format: String,
  parse: (t) => (/^\d+$/.test(t) ? Number(t) : undefined),
  expected: 'a whole number',
};

/** "build N", the build that failed alone. */
const buildReference: Codec<BuildNumber> = {
  format: (n) => `build ${n}`,
  parse: (t) => (t.startsWith('build ') ? parseBuildNumber(t.slice('build '.length)) : undefined),
  expected: BUILD_NUMBERS.map((n) => `"build ${n}"`).join(' or '),
};

/** "yes" and a line per changed part of the build environment. */
const changedLines: Codec<readonly string[]> = {
  format: (v) => (v.length ? `yes\n${v.join('\n')}` : undefined),
  parse: (t) => t.split('\n').slice(1).filter(Boolean),
};

/** A line per differing file, "NAME: ./path ./path… | cause; cause" (what diffoscope found different inside it, and why), under an empty first line. */
const differingFileLines: Codec<readonly DifferingFile[]> = {
  format: (files) => (files.length ? `\n${files.map(describeDifferingFile).join('\n')}` : undefined),
  parse: (t) =>
    t
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((whole) => {
        const [line, causes] = whole.split(CAUSES_SEPARATOR, 2) as [string, string | undefined];
        const at = line.includes(':') ? line.indexOf(':') : line.length; // package file names hold no ':'
        return {
          file: line.slice(0, at).trim(),
          members: line
            .slice(at + 1)
            .trim()
            .split(/\s+/)
            .filter(Boolean),
          ...(causes !== undefined && { causes: causes.split('; ').filter(Boolean) }),
        };
      }),
};

/** A line per .deb of build 1, "NAME identical|differs|absent[ REPORT]", under an empty first line. */
const versusArchiveLines: Codec<readonly DebVersusArchive[]> = {
  format: (compared) => (compared.length ? `\n${formatVersusArchive(compared)}` : undefined),
  parse: parseVersusArchive,
  expected: 'lines "NAME identical|differs|absent[ REPORT]"',
};

type FieldTable = { readonly [K in keyof ArchivedVerdict]-?: readonly [field: string, codec: Codec<NonNullable<ArchivedVerdict[K]>>] };

/** The verdict file's fields, in the order they are written. */
const VERDICT_FIELDS: FieldTable = {
  source: ['Source', text],
  version: ['Version', text],
  suite: ['Suite', text],
  architecture: ['Architecture', text],
  verdict: ['Verdict', oneOf(VERDICTS)],
  scheduled: ['Scheduled', text],
  category: ['Category', text],
  reason: ['Reason', text],
  requester: ['Requester', text],
  detail: ['Detail', text],
  unsatisfiable: ['Unsatisfiable', text],
  failsOnlyIn: ['Fails-Only-In', buildReference],
  notVaried: ['Not-Varied', commaNames],
  explains: ['Explains', text],
  explained: ['Explained', oneOf(EXPLAIN_OUTCOMES)],
  culprits: ['Culprits', culpritGroups],
  explainBuilds: ['Explain-Builds', count],
  date: ['Date', text],
  differing: ['Differing', names],
  onlyInBuild1: ['Only-In-Build-1', names],
  onlyInBuild2: ['Only-In-Build-2', names],
  environmentChanged: ['Environment-Changed', changedLines],
  differingFiles: ['Differing-Files', differingFileLines],
  diffoscope: ['Diffoscope', oneOf(DIFFOSCOPE_OUTCOMES)],
  versusArchive: ['Versus-Archive', versusArchiveLines],
  versusArchiveUnavailable: ['Versus-Archive-Unavailable', text],
};

const REQUIRED: ReadonlyArray<keyof ArchivedVerdict> = ['source', 'version', 'suite', 'architecture', 'verdict', 'date'];

type Entries = Array<[keyof ArchivedVerdict, FieldTable[keyof ArchivedVerdict]]>;

export function formatVerdict(verdict: ArchivedVerdict): string {
  return Stanza.of(
    (Object.entries(VERDICT_FIELDS) as Entries).map(([key, [field, codec]]) => {
      const value = verdict[key];
      return [field, value === undefined ? undefined : (codec as Codec<typeof value>).format(value)];
    }),
  ).toString();
}

/** The verdict a parsed verdict file says; VerdictFileError (naming `file` and the field) when it is not one. */
export function parseVerdict(stanza: Stanza, file: string): ArchivedVerdict {
  const parsed: Record<string, unknown> = {};
  for (const [key, [field, codec]] of Object.entries(VERDICT_FIELDS) as Entries) {
    const value = stanza.get(field);
    if (value === undefined) {
      if (REQUIRED.includes(key)) throw new VerdictFileError(file, `no ${field} field`);
      continue;
    }
    const read = codec.parse(value);
    if (read === undefined) throw new VerdictFileError(file, `${field} is ${JSON.stringify(value)}, expected ${codec.expected}`);
    parsed[key] = read;
  }
  return parsed as unknown as ArchivedVerdict;
}
