/**
 * What differs between build 1 and build 2 (spool-layout.md, "Builds"): the one table the
 * builder applies, the results record, and the dashboard shows. Values that a build
 * cannot apply on this machine are reported as skipped with the reason, never silently
 * dropped.
 */
import os from 'node:os';
import type { BuildNumber } from '../spool/build-status.js';

export interface VariationRow {
  /** What `--vary` and the `variations` key call it. */
  readonly id: VariationId;
  readonly name: string;
  readonly first: string;
  readonly second: string;
  /** How the builders apply it. */
  readonly applied: string;
}

export const DEFAULT_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

/** Build 2's capture values: each is given once, and found again in a diff by its row's canary. */
const CAPTURE = {
  path: '/i/capture/the/path',
  environment: 'I capture the environment',
  home: '/nonexistent/second-build',
  hostname: 'i-capture-the-hostname',
  domainname: 'i-capture-the-domainname',
  /** The last part of build 2's build path. */
  buildDir: '2nd',
} as const;

/** A canary that is the values themselves, as they are. */
function literally(...values: string[]): RegExp {
  return new RegExp(values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));
}

/** The locale of build 2, per architecture, as tests.reproducible-builds.org varies it. */
export function secondLocale(arch: string): string {
  return arch === 'amd64' || arch === 'i386' ? 'et_EE.UTF-8' : 'it_CH.UTF-8';
}

/** Every locale build 2 may use: the chroots generate them all. */
export function secondLocales(): string[] {
  return [...new Set(['amd64', 'armhf'].map(secondLocale))];
}

/** The unprivileged user a build runs as inside the chroot (never root, and another one for build 2). */
export interface BuildUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

const BUILD_USERS: Record<BuildNumber, BuildUser> = {
  1: { name: 'pbuilder1', uid: 1111, gid: 1111 },
  2: { name: 'pbuilder2', uid: 2222, gid: 2222 },
};

/** What a build's values depend on: its architecture and the CPU count of the node that runs it (unknown where no node is in view). */
export interface BuildContext {
  readonly arch: string;
  readonly cpus: number | undefined;
}

/**
 * One variation, declared once: `give` is what build 1 and build 2 get (a part of their
 * profile, which every builder applies), and `show` reads that part back for the table
 * the dashboard and `show` print. A variation added here is applied and shown.
 */
export interface Variation<Id extends string = string> {
  /** What `--vary`, the `variations` key and an entry's Variations field call it: lower case, no spaces. */
  readonly id: Id;
  /** How the table shows it. */
  readonly name: string;
  /**
   * How often it is what makes a package unreproducible, roughly (weights, not counts):
   * explain tries the likelier ones first. A poor guess costs a build, never a wrong answer.
   */
  readonly prior: number;
  /**
   * What shows in build 2's lines of a diffoscope diff when this variation leaked into its
   * output (its capture values), given when the check ran: cause tags, hints beside
   * explain's proof. None for a variation that leaves no recognisable trace.
   */
  readonly canary?: (checkedAt: Date) => RegExp;
  /** How the builders apply it. */
  readonly applied: string;
  give(n: BuildNumber, ctx: BuildContext): ProfilePart;
  show(profile: BuildProfile, n: BuildNumber, ctx: BuildContext): string;
  /** Its lines in the results' `variations` file: what this build applied. */
  record(profile: BuildProfile, ctx: RecordContext): ReadonlyArray<readonly [field: string, value: string | undefined]>;
}

/** What a builder tells the `variations` file beyond the profile. */
export interface RecordContext {
  /** Variations this builder could not apply here, with why. */
  readonly skipped: Partial<Readonly<Record<VariationId, string>>>;
  /** How the clock of this build was moved (it depends on the node's clock mode). */
  readonly clock: string | undefined;
  /** Where the tree was built, as this builder names it. */
  readonly buildPath: string;
  /** The CPUs this build ran on, as applied (cpu-affinity.ts). */
  readonly cpus: string;
}

type ProfilePart = Partial<Omit<BuildProfile, 'env'>> & { readonly env?: Readonly<Record<string, string>> };

/** The environment variables a row sets, shown in its order, 'unset' for one a build does not get. */
function environment<Id extends string>(
  id: Id,
  name: string,
  prior: number,
  values: (n: BuildNumber, ctx: BuildContext) => Readonly<Record<string, string | undefined>>,
  canary?: RegExp,
): Variation<Id> {
  const vars = name.split(', ');
  const set = (n: BuildNumber, ctx: BuildContext) =>
    Object.fromEntries(Object.entries(values(n, ctx)).filter((pair): pair is [string, string] => pair[1] !== undefined));
  return {
    id,
    name,
    prior,
    ...(canary && { canary: () => canary }),
    applied: 'environment',
    give: (n, ctx) => ({ env: set(n, ctx) }),
    show: (profile) => vars.map((v) => profile.env[v] ?? 'unset').join(', '),
    record: (profile) => vars.map((v) => [v, profile.env[v]] as const),
  };
}

/** How far build 2's clock runs ahead: over a year, so the year differs, and 33 days more, so the month and day do too. */
const CLOCK_AHEAD_DAYS = 398;

const perBuild =
  <T>(first: T, second: T) =>
  (n: BuildNumber) =>
    n === 1 ? first : second;

export const VARIATIONS = [
  environment('terminal', 'TERM, COLUMNS', 1, perBuild({}, { TERM: 'linux', COLUMNS: '77' }), /\bTERM=linux\b|\bCOLUMNS=77\b/),
  environment('shell', 'SHELL', 1, perBuild({ SHELL: '/bin/sh' }, { SHELL: '/bin/bash' }), /\bSHELL=\/bin\/bash\b/),
  // Etc/GMT-14 is UTC+14: its offset, or its name, in the output.
  environment('timezone', 'TZ', 4, perBuild({ TZ: 'Etc/GMT+12' }, { TZ: 'Etc/GMT-14' }), /\+14:?00\b|GMT-14\b/),
  environment(
    'locale',
    'LANG, LC_ALL, LANGUAGE',
    4,
    (n, { arch }) =>
      n === 1 ? { LANG: 'C', LANGUAGE: 'en_US:en' } : { LANG: secondLocale(arch), LC_ALL: secondLocale(arch), LANGUAGE: secondLocale(arch).slice(0, 2) },
    new RegExp(
      secondLocales()
        .map((l) => l.split('.')[0])
        .join('|'),
    ),
  ),
  environment('home', 'HOME', 1, perBuild({ HOME: '/nonexistent/first-build' }, { HOME: CAPTURE.home }), literally(CAPTURE.home)),
  environment(
    'exec-path',
    'PATH, CAPTURE_ENVIRONMENT',
    1,
    perBuild({ PATH: DEFAULT_PATH }, { PATH: `${DEFAULT_PATH}:${CAPTURE.path}`, CAPTURE_ENVIRONMENT: CAPTURE.environment }),
    literally(CAPTURE.path, CAPTURE.environment),
  ),
  {
    id: 'parallel',
    prior: 2,
    name: 'DEB_BUILD_OPTIONS parallel',
    applied: 'environment',
    // The count is the building node's: build 2 gets one more than its node has.
    give: (n, { cpus }) => ({ env: { DEB_BUILD_OPTIONS: `parallel=${(cpus ?? 1) + (n === 1 ? 0 : 1)}` } }),
    show: (profile, n, { cpus }) => (cpus === undefined ? `parallel=the node's CPU count${n === 1 ? '' : ' + 1'}` : (profile.env.DEB_BUILD_OPTIONS ?? 'unset')),
    record: (profile) => [['DEB_BUILD_OPTIONS', profile.env.DEB_BUILD_OPTIONS]],
  },
  {
    id: 'cpus',
    prior: 2,
    name: 'CPU count (affinity)',
    applied: 'taskset -c',
    give: perBuild<ProfilePart>({ cpus: 'all' }, { cpus: 'one fewer' }),
    show: (p) => (p.cpus === 'all' ? "all the node's" : "one fewer than the node's (at least 1)"),
    record: (_p, ctx) => [['CPUs', ctx.cpus]],
  },
  {
    id: 'nice',
    name: 'nice',
    prior: 0.5,
    applied: 'nice -n',
    give: perBuild({ nice: 10 }, { nice: 11 }),
    show: (p) => String(p.nice),
    record: (p) => [['nice', String(p.nice)]],
  },
  {
    id: 'umask',
    canary: () => /\brw[-x]rw[-x]r[-w][-x]\b/, // group-writable: umask 0002
    prior: 3,
    name: 'umask',
    applied: 'umask in the build shell',
    give: perBuild({ umask: '0022' }, { umask: '0002' }),
    show: (p) => p.umask,
    record: (p) => [['umask', p.umask]],
  },
  {
    id: 'hostname',
    canary: () => literally(CAPTURE.hostname, CAPTURE.domainname),
    prior: 2,
    name: 'hostname, domainname',
    applied: 'a UTS namespace',
    give: perBuild({}, { hostname: CAPTURE.hostname, domainname: CAPTURE.domainname }),
    show: (p) => (p.hostname === undefined ? "the node's" : `${p.hostname}, ${p.domainname}`),
    record: (p) => [['hostname', p.hostname === undefined ? undefined : `${p.hostname}, ${p.domainname}`]],
  },
  {
    id: 'build-path',
    canary: () => new RegExp(`/${CAPTURE.buildDir}\\b`), // the directory, not a name that starts with it
    prior: 10,
    name: 'build path',
    applied: 'the source tree unpacked there',
    give: perBuild<ProfilePart>(
      { sourceDir: (base, pkg, version) => `${base}/1st/${pkg}-${version}` },
      { sourceDir: (base, pkg, version) => `${base}/2/${pkg}-${version}/${CAPTURE.buildDir}` },
    ),
    show: (p) => p.sourceDir('…', '$PKG', '$VERSION'),
    record: (_p, ctx) => [['Build-Path', ctx.buildPath]],
  },
  {
    id: 'user',
    canary: () => new RegExp(`\\b(${BUILD_USERS[2].name}|${BUILD_USERS[2].uid})\\b`),
    prior: 2,
    name: 'build user (name, uid, gid)',
    applied: 'setpriv in the chroot',
    give: (n) => ({ user: BUILD_USERS[n] }),
    show: (p) => userText(p.user),
    record: (p) => [['Build-User', `${p.user.name} (uid ${p.user.uid}, gid ${p.user.gid})`]],
  },
  {
    id: 'kernel',
    canary: () => /\b2\.6\.\d+/,
    prior: 2,
    name: 'kernel personality (uname -r)',
    applied: 'setarch --uname-2.6',
    give: perBuild({ uname26: false }, { uname26: true }),
    show: (p) => (p.uname26 ? '2.6.x (setarch --uname-2.6)' : "the node's"),
    record: (p) => [['Kernel', p.uname26 ? 'uname -r 2.6.x (setarch --uname-2.6)' : "the node's"]],
  },
  {
    id: 'aslr',
    prior: 1,
    name: 'address space layout randomization',
    applied: 'setarch --addr-no-randomize',
    give: perBuild({ aslr: false }, { aslr: true }),
    show: (p) => (p.aslr ? "the node's (on)" : 'off (setarch --addr-no-randomize)'),
    record: (p) => [['ASLR', p.aslr ? "the node's" : 'off (setarch --addr-no-randomize)']],
  },
  {
    id: 'clock',
    // The year build 2's clock showed: 398 days after it ran (up to a day before the check ended).
    canary: (checkedAt) =>
      new RegExp(`\\b(${[0, 1].map((d) => new Date(checkedAt.getTime() + (CLOCK_AHEAD_DAYS - d) * 86_400_000).getUTCFullYear()).join('|')})\\b`),
    prior: 8,
    name: 'clock',
    applied: "faketime, or the node's own clock",
    give: perBuild({}, { faketime: `+${CLOCK_AHEAD_DAYS}d` }),
    show: (p) => (p.faketime === undefined ? 'now' : `+${CLOCK_AHEAD_DAYS} days: faketime, or the node's own clock run ahead (per node)`),
    record: (_p, ctx) => [['Clock', ctx.clock]],
  },
  {
    id: 'disorderfs',
    prior: 4,
    name: 'disorderfs',
    applied: 'a FUSE mount over the build tree',
    give: perBuild({ disorderfs: false }, { disorderfs: true }),
    show: (p) => (p.disorderfs ? 'shuffled directory entries (disorderfs --shuffle-dirents; skipped in sbuild builds, see README)' : 'off'),
    record: (p) => [['disorderfs', p.disorderfs ? 'shuffled directory entries (disorderfs --shuffle-dirents=yes)' : undefined]],
  },
] as const satisfies readonly Variation[];
export type VariationId = (typeof VARIATIONS)[number]['id'];

/** The variations build 2 varies: the others it gets as build 1 does. */
export type Varied = ReadonlySet<VariationId>;
export const VARIATION_IDS: readonly VariationId[] = VARIATIONS.map((v) => v.id);
export const ALL_VARIED: Varied = new Set(VARIATION_IDS);

/** The variations not in `varied`, in the table's order. */
export function notVaried(varied: Varied): VariationId[] {
  return VARIATION_IDS.filter((id) => !varied.has(id));
}

/** Which build's part of a row build n gets: build 2 gets build 1's where it does not vary the row. */
function partOf(n: BuildNumber, id: VariationId, varied: Varied): BuildNumber {
  return n === 2 && !varied.has(id) ? 1 : n;
}

/** The table of what differs, derived from the profiles: `cpus` the nodes' CPU counts where known. */
export function variationTable(arch: string, cpus: { readonly first?: number; readonly second?: number } = {}, varied: Varied = ALL_VARIED): VariationRow[] {
  const first = { arch, cpus: cpus.first };
  const second = { arch, cpus: cpus.second };
  const [one, two] = [profileOf(1, first, varied), profileOf(2, second, varied)];
  return VARIATIONS.map((v: Variation<VariationId>) => ({
    id: v.id,
    name: v.name,
    first: v.show(one, 1, first),
    second: varied.has(v.id) ? v.show(two, 2, second) : `${v.show(two, 1, second)} (not varied)`,
    applied: v.applied,
  }));
}

function userText(user: BuildUser): string {
  return `${user.name}, ${user.uid}, ${user.gid}`;
}

/** Why an sbuild build 2 runs without disorderfs (README.md, "Builds and verdicts"); the host builder mounts it where /dev/fuse allows. */
export const DISORDERFS_SKIPPED =
  "sbuild's unshare mode gives the build no /dev/fuse (its bind mounts are directories, and the host's device is root-only), " +
  'so no FUSE mount can be made inside the build';

/** The results' `variations` lines of a build: each row's, or `skipped: why` where this builder could not apply it. */
export function recordedVariations(profile: BuildProfile, ctx: RecordContext): Array<[string, string]> {
  const off = notVaried(profile.varied);
  return [
    ...VARIATIONS.flatMap((v: Variation<VariationId>) => {
      const why = ctx.skipped[v.id];
      return v
        .record(profile, ctx)
        .flatMap(([field, value]): Array<[string, string]> => (value === undefined ? [] : [[field, why ? `skipped: ${why}` : value]]));
    }),
    ...(off.length > 0 ? ([['Not-Varied', off.join(', ')]] as Array<[string, string]>) : []),
  ];
}

/** Everything the builder applies for one build. */
export interface BuildProfile {
  /** What this check's build 2 varies (the same in both builds' profiles: the `variations` file says it). */
  readonly varied: Varied;
  readonly env: Readonly<Record<string, string>>;
  readonly umask: string;
  readonly hostname?: string;
  readonly domainname?: string;
  readonly nice: number;
  /** The clock offset of build 2 when its node fakes the clock (faketime mode). */
  readonly faketime?: string;
  readonly disorderfs: boolean;
  readonly user: BuildUser;
  /** Run under `setarch --uname-2.6`, so `uname -r` says 2.6.x. */
  readonly uname26: boolean;
  /** Address space layout randomization as the node has it; false: off, by `setarch --addr-no-randomize`. */
  readonly aslr: boolean;
  /** Every CPU the node lets the build use, or one fewer (taskset). */
  readonly cpus: 'all' | 'one fewer';
  /** Source tree location below the build base. */
  sourceDir(base: string, pkg: string, upstreamVersion: string): string;
}

/** Everything build n applies on a node with `cpus` CPUs, varying `varied`: the variations' parts together. */
export function buildProfile(build: BuildNumber, arch: string, cpus = os.cpus().length, varied: Varied = ALL_VARIED): BuildProfile {
  return profileOf(build, { arch, cpus }, varied);
}

function profileOf(n: BuildNumber, ctx: BuildContext, varied: Varied): BuildProfile {
  const parts: ProfilePart[] = VARIATIONS.map((v: Variation<VariationId>) => v.give(partOf(n, v.id, varied), ctx));
  const profile = Object.assign({ disorderfs: false, uname26: false, aslr: true, cpus: 'all' }, ...parts) as BuildProfile;
  return { ...profile, varied, env: Object.assign({}, ...parts.map((p) => p.env ?? {})) as Record<string, string> };
}
