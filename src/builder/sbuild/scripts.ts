/**
 * The two scripts the builder puts into every build chroot (read-only, bind-mounted at
 * /repro-spool): chroot-setup adds the build's user, and build-wrapper is sbuild's
 * $build_env_cmnd, the one place where a build's variations are applied. sbuild runs it
 * as root of the build's user namespace (a subordinate id on the host, never host root),
 * in the source tree, with `dpkg-buildpackage …` as its arguments. It
 *  - drops --sanitize-env (it would reset the umask this build varies),
 *  - sets hostname and domainname (build 2; a UTS namespace of its own),
 *  - moves the tree to the build path of this build (…/2nd for build 2) and back after,
 *  - hands the tree to the build user and runs dpkg-buildpackage as that user, with no
 *    capabilities, exactly this build's environment (env -i), umask, nice and clock.
 * With quick setup, chroot-setup also turns off what only costs time while the build
 * dependencies are installed in a throw-away copy (on a tmpfs, as a rule): dpkg's fsyncs
 * (force-unsafe-io, dpkg's own switch) and man-db's index rebuild on every trigger. The
 * wrapper puts both back before dpkg-buildpackage, so the build sees the chroot as made.
 * Values are shell-quoted into the script; no value reaches a shell any other way.
 */
import { shellQuote } from '../../transport/quote.js';
import type { BuildProfile } from '../variations.js';

export const MOUNT_POINT = '/repro-spool';
export const WRAPPER = `${MOUNT_POINT}/build-wrapper`;
export const CHROOT_SETUP = `${MOUNT_POINT}/chroot-setup`;

const UNSAFE_IO = '/etc/dpkg/dpkg.cfg.d/repro-spool-unsafe-io';
const MAN_DB_AUTO_UPDATE = '/var/lib/man-db/auto-update';
const MAN_DB_WAS_ON = '/var/lib/man-db/auto-update.repro-spool';

export function chrootSetupScript(profile: BuildProfile, quickSetup: boolean): string {
  const { user } = profile;
  const passwd = `${user.name}:x:${user.uid}:${user.gid}:repro-spool build user:${profile.env.HOME}:${profile.env.SHELL}`;
  return [
    '#!/bin/sh',
    '# repro-spool: the build user of this build (its home does not exist, as on the original system).',
    'set -e',
    `echo ${shellQuote(passwd)} >> /etc/passwd`,
    `echo ${shellQuote(`${user.name}:x:${user.gid}:`)} >> /etc/group`,
    ...(quickSetup
      ? [
          '# repro-spool quick setup: no fsyncs from dpkg and no man-db index while the build dependencies go in.',
          `echo force-unsafe-io > ${UNSAFE_IO}`,
          `if [ -e ${MAN_DB_AUTO_UPDATE} ]; then mv ${MAN_DB_AUTO_UPDATE} ${MAN_DB_WAS_ON}; fi`,
        ]
      : []),
    '',
  ].join('\n');
}

/** sourceDir: where dpkg-buildpackage runs (absolute, inside the chroot). clock: the faketime offset, if this build fakes its clock. */
export function wrapperScript(profile: BuildProfile, sourceDir: string, clock: string | undefined, quickSetup: boolean): string {
  const { user } = profile;
  const env = Object.entries(profile.env)
    .map(([k, v]) => shellQuote(`${k}=${v}`))
    .join(' ');
  // NO_FAKE_STAT: libfaketime would also shift the mtimes stat() reports, so dpkg-deb would
  // pack files with dates +398 days off: a difference of our making, not the package's.
  const faketime = clock ? ` env NO_FAKE_STAT=1 faketime -f ${shellQuote(clock)}` : '';
  return [
    '#!/bin/sh',
    "# repro-spool: applies this build's variations, then runs dpkg-buildpackage as the build user.",
    'set -e',
    '[ "$1" = dpkg-buildpackage ] || { echo "repro-spool build-wrapper: unexpected command $1" >&2; exit 90; }',
    'for arg do shift; [ "$arg" = --sanitize-env ] || set -- "$@" "$arg"; done',
    ...(quickSetup ? [`rm -f ${UNSAFE_IO}`, `if [ -e ${MAN_DB_WAS_ON} ]; then mv ${MAN_DB_WAS_ON} ${MAN_DB_AUTO_UPDATE}; fi`] : []),
    ...(profile.hostname !== undefined ? [`hostname ${shellQuote(profile.hostname)}`, `domainname ${shellQuote(profile.domainname ?? '')}`] : []),
    `target=${shellQuote(sourceDir)}`,
    'origin=$PWD',
    '[ "$origin" = "$target" ] || mv "$origin" "$target"',
    'cd "$target"',
    `chown -R ${user.uid}:${user.gid} "$(dirname "$target")"`,
    `umask ${profile.umask}`,
    'set +e',
    `setpriv --reuid=${user.uid} --regid=${user.gid} --init-groups --inh-caps=-all env -i ${env} nice -n ${profile.nice}${faketime} "$@"`,
    'status=$?',
    'cd /',
    '[ "$origin" = "$target" ] || mv "$target" "$origin"',
    'exit $status',
    '',
  ].join('\n');
}
