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

export function variationTable(arch: string, cpus = os.cpus().length): VariationRow[] {
  return [
    { name: 'TERM, COLUMNS', first: 'unset', second: 'linux, 77' },
    { name: 'SHELL', first: '/bin/sh', second: '/bin/bash' },
    { name: 'TZ', first: 'Etc/GMT+12', second: 'Etc/GMT-14' },
    { name: 'LANG, LC_ALL, LANGUAGE', first: 'C, unset, en_US:en', second: `${secondLocale(arch)}, ${secondLocale(arch)}, ${secondLocale(arch).slice(0, 2)}` },
    { name: 'HOME', first: '/nonexistent/first-build', second: '/nonexistent/second-build' },
    { name: 'PATH, CAPTURE_ENVIRONMENT', first: 'default, unset', second: `default:${CAPTURE_PATH}, set` },
    { name: 'umask', first: '0022', second: '0002' },
    { name: 'hostname, domainname', first: "the node's", second: 'i-capture-the-hostname, i-capture-the-domainname' },
    { name: 'build path', first: '…/1st/$PKG-$VERSION', second: '…/2/$PKG-$VERSION/2nd' },
    { name: 'DEB_BUILD_OPTIONS parallel, nice', first: `parallel=${cpus}, 10`, second: `parallel=${cpus + 1}, 11` },
    { name: 'build user (name, uid, gid)', first: userText(BUILD_USERS[1]), second: userText(BUILD_USERS[2]) },
    { name: 'kernel personality (uname -r)', first: "the node's", second: '2.6.x (setarch --uname-2.6)' },
    { name: 'clock', first: 'now', second: "+398 days: faketime, or the node's own clock run ahead (per node)" },
    { name: 'disorderfs', first: 'off', second: `shuffled directory entries (not applied: ${DISORDERFS_SKIPPED})` },
  ];
}

function userText(user: BuildUser): string {
  return `${user.name}, ${user.uid}, ${user.gid}`;
}

/** Why build 2 runs without disorderfs (measured: see README.md, "Builds and verdicts"). */
export const DISORDERFS_SKIPPED = "FUSE is not usable inside the build's user namespace: the chroot has no /dev/fuse and the host's is root-only (0600)";

/** What every builder applies of a profile the same way, as the results' `variations` record it: the environment, umask and nice level. */
export function profileVariations(profile: BuildProfile): Array<[string, string]> {
  return [...Object.entries(profile.env), ['umask', profile.umask], ['nice', String(profile.nice)]];
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

export function buildProfile(build: BuildNumber, arch: string, cpus = os.cpus().length): BuildProfile {
  if (build === 1) {
    return {
      env: {
        SHELL: '/bin/sh',
        TZ: 'Etc/GMT+12',
        LANG: 'C',
        LANGUAGE: 'en_US:en',
        HOME: '/nonexistent/first-build',
        PATH: DEFAULT_PATH,
        DEB_BUILD_OPTIONS: `parallel=${cpus}`,
      },
      umask: '0022',
      nice: 10,
      disorderfs: false,
      user: BUILD_USERS[1],
      uname26: false,
      sourceDir: (base, pkg, version) => `${base}/1st/${pkg}-${version}`,
    };
  }
  const locale = secondLocale(arch);
  return {
    env: {
      TERM: 'linux',
      COLUMNS: '77',
      SHELL: '/bin/bash',
      TZ: 'Etc/GMT-14',
      LANG: locale,
      LC_ALL: locale,
      LANGUAGE: locale.slice(0, 2),
      HOME: '/nonexistent/second-build',
      PATH: `${DEFAULT_PATH}:${CAPTURE_PATH}`,
      CAPTURE_ENVIRONMENT: 'I capture the environment',
      DEB_BUILD_OPTIONS: `parallel=${cpus + 1}`,
    },
    umask: '0002',
    hostname: 'i-capture-the-hostname',
    domainname: 'i-capture-the-domainname',
    nice: 11,
    faketime: '+398d',
    disorderfs: true,
    user: BUILD_USERS[2],
    uname26: true,
    sourceDir: (base, pkg, version) => `${base}/2/${pkg}-${version}/2nd`,
  };
}
