/**
 * What differs between build 1 and build 2 (spool-layout.md, "Builds"): the one table the
 * builder applies, the results record, and the dashboard shows. Values that a build
 * cannot apply on this machine are reported as skipped with the reason, never silently
 * dropped.
 */
import os from 'node:os';
import type { BuildNumber } from '../spool/build-status.js';

export interface VariationRow {
  readonly name: string;
  readonly first: string;
  readonly second: string;
  /** How the builders apply it. */
  readonly applied: string;
}

export const DEFAULT_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const CAPTURE_PATH = '/i/capture/the/path';

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
interface Variation<Name extends string = string> {
  readonly name: Name;
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
  readonly skipped: Partial<Readonly<Record<VariationName, string>>>;
  /** How the clock of this build was moved (it depends on the node's clock mode). */
  readonly clock: string | undefined;
  /** Where the tree was built, as this builder names it. */
  readonly buildPath: string;
}

type ProfilePart = Partial<Omit<BuildProfile, 'env'>> & { readonly env?: Readonly<Record<string, string>> };

/** The environment variables a row sets, shown in its order, 'unset' for one a build does not get. */
function environment<Name extends string>(
  name: Name,
  values: (n: BuildNumber, ctx: BuildContext) => Readonly<Record<string, string | undefined>>,
): Variation<Name> {
  const vars = name.split(', ');
  const set = (n: BuildNumber, ctx: BuildContext) =>
    Object.fromEntries(Object.entries(values(n, ctx)).filter((pair): pair is [string, string] => pair[1] !== undefined));
  return {
    name,
    applied: 'environment',
    give: (n, ctx) => ({ env: set(n, ctx) }),
    show: (profile) => vars.map((v) => profile.env[v] ?? 'unset').join(', '),
    record: (profile) => vars.map((v) => [v, profile.env[v]] as const),
  };
}

const perBuild =
  <T>(first: T, second: T) =>
  (n: BuildNumber) =>
    n === 1 ? first : second;

export const VARIATIONS = [
  environment('TERM, COLUMNS', perBuild({}, { TERM: 'linux', COLUMNS: '77' })),
  environment('SHELL', perBuild({ SHELL: '/bin/sh' }, { SHELL: '/bin/bash' })),
  environment('TZ', perBuild({ TZ: 'Etc/GMT+12' }, { TZ: 'Etc/GMT-14' })),
  environment('LANG, LC_ALL, LANGUAGE', (n, { arch }) =>
    n === 1 ? { LANG: 'C', LANGUAGE: 'en_US:en' } : { LANG: secondLocale(arch), LC_ALL: secondLocale(arch), LANGUAGE: secondLocale(arch).slice(0, 2) },
  ),
  environment('HOME', perBuild({ HOME: '/nonexistent/first-build' }, { HOME: '/nonexistent/second-build' })),
  environment(
    'PATH, CAPTURE_ENVIRONMENT',
    perBuild({ PATH: DEFAULT_PATH }, { PATH: `${DEFAULT_PATH}:${CAPTURE_PATH}`, CAPTURE_ENVIRONMENT: 'I capture the environment' }),
  ),
  {
    name: 'DEB_BUILD_OPTIONS parallel',
    applied: 'environment',
    // The count is the building node's: build 2 gets one more than its node has.
    give: (n, { cpus }) => ({ env: { DEB_BUILD_OPTIONS: `parallel=${(cpus ?? 1) + (n === 1 ? 0 : 1)}` } }),
    show: (profile, n, { cpus }) => (cpus === undefined ? `parallel=the node's CPU count${n === 1 ? '' : ' + 1'}` : (profile.env.DEB_BUILD_OPTIONS ?? 'unset')),
    record: (profile) => [['DEB_BUILD_OPTIONS', profile.env.DEB_BUILD_OPTIONS]],
  },
  { name: 'nice', applied: 'nice -n', give: perBuild({ nice: 10 }, { nice: 11 }), show: (p) => String(p.nice), record: (p) => [['nice', String(p.nice)]] },
  {
    name: 'umask',
    applied: 'umask in the build shell',
    give: perBuild({ umask: '0022' }, { umask: '0002' }),
    show: (p) => p.umask,
    record: (p) => [['umask', p.umask]],
  },
  {
    name: 'hostname, domainname',
    applied: 'a UTS namespace',
    give: perBuild({}, { hostname: 'i-capture-the-hostname', domainname: 'i-capture-the-domainname' }),
    show: (p) => (p.hostname === undefined ? "the node's" : `${p.hostname}, ${p.domainname}`),
    record: (p) => [['hostname', p.hostname === undefined ? undefined : `${p.hostname}, ${p.domainname}`]],
  },
  {
    name: 'build path',
    applied: 'the source tree unpacked there',
    give: perBuild<ProfilePart>(
      { sourceDir: (base, pkg, version) => `${base}/1st/${pkg}-${version}` },
      { sourceDir: (base, pkg, version) => `${base}/2/${pkg}-${version}/2nd` },
    ),
    show: (p) => p.sourceDir('…', '$PKG', '$VERSION'),
    record: (_p, ctx) => [['Build-Path', ctx.buildPath]],
  },
  {
    name: 'build user (name, uid, gid)',
    applied: 'setpriv in the chroot',
    give: (n) => ({ user: BUILD_USERS[n] }),
    show: (p) => userText(p.user),
    record: (p) => [['Build-User', `${p.user.name} (uid ${p.user.uid}, gid ${p.user.gid})`]],
  },
  {
    name: 'kernel personality (uname -r)',
    applied: 'setarch --uname-2.6',
    give: perBuild({ uname26: false }, { uname26: true }),
    show: (p) => (p.uname26 ? '2.6.x (setarch --uname-2.6)' : "the node's"),
    record: (p) => [['Kernel', p.uname26 ? 'uname -r 2.6.x (setarch --uname-2.6)' : "the node's"]],
  },
  {
    name: 'clock',
    applied: "faketime, or the node's own clock",
    give: perBuild({}, { faketime: '+398d' }),
    show: (p) => (p.faketime === undefined ? 'now' : `+398 days: faketime, or the node's own clock run ahead (per node)`),
    record: (_p, ctx) => [['Clock', ctx.clock]],
  },
  {
    name: 'disorderfs',
    applied: 'a FUSE mount over the build tree',
    give: perBuild({ disorderfs: false }, { disorderfs: true }),
    show: (p) => (p.disorderfs ? `shuffled directory entries (not applied: ${DISORDERFS_SKIPPED})` : 'off'),
    record: (p) => [['disorderfs', p.disorderfs ? `skipped: ${DISORDERFS_SKIPPED}` : undefined]],
  },
] as const satisfies readonly Variation[];
export type VariationName = (typeof VARIATIONS)[number]['name'];

/** The table of what differs, derived from the profiles: `cpus` the nodes' CPU counts where known. */
export function variationTable(arch: string, cpus: { readonly first?: number; readonly second?: number } = {}): VariationRow[] {
  const first = { arch, cpus: cpus.first };
  const second = { arch, cpus: cpus.second };
  const [one, two] = [profileOf(1, first), profileOf(2, second)];
  return VARIATIONS.map((v) => ({ name: v.name, first: v.show(one, 1, first), second: v.show(two, 2, second), applied: v.applied }));
}

function userText(user: BuildUser): string {
  return `${user.name}, ${user.uid}, ${user.gid}`;
}

/** Why build 2 runs without disorderfs (measured: see README.md, "Builds and verdicts"). */
export const DISORDERFS_SKIPPED = "FUSE is not usable inside the build's user namespace: the chroot has no /dev/fuse and the host's is root-only (0600)";

/** The results' `variations` lines of a build: each row's, or `skipped: why` where this builder could not apply it. */
export function recordedVariations(profile: BuildProfile, ctx: RecordContext): Array<[string, string]> {
  return VARIATIONS.flatMap((v: Variation<VariationName>) => {
    const why = ctx.skipped[v.name];
    return v.record(profile, ctx).flatMap(([field, value]): Array<[string, string]> => (value === undefined ? [] : [[field, why ? `skipped: ${why}` : value]]));
  });
}

/** Everything the builder applies for one build. */
export interface BuildProfile {
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
  /** Source tree location below the build base. */
  sourceDir(base: string, pkg: string, upstreamVersion: string): string;
}

/** Everything build n applies on a node with `cpus` CPUs: the variations' parts together. */
export function buildProfile(build: BuildNumber, arch: string, cpus = os.cpus().length): BuildProfile {
  return profileOf(build, { arch, cpus });
}

function profileOf(n: BuildNumber, ctx: BuildContext): BuildProfile {
  const parts: ProfilePart[] = VARIATIONS.map((v: Variation<VariationName>) => v.give(n, ctx));
  const profile = Object.assign({ disorderfs: false, uname26: false }, ...parts) as BuildProfile;
  return { ...profile, env: Object.assign({}, ...parts.map((p) => p.env ?? {})) as Record<string, string> };
}
