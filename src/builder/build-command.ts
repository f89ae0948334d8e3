/**
 * The dpkg-buildpackage command line for a profile. Values reach the shell only as
 * positional parameters ("$1"…), never inside the script text.
 */
import type { BuildProfile, VariationName } from './variations.js';
import { canUnshareUts, hasFaketime } from './tools.js';

const SCRIPT = 'umask "$1"; if [ -n "$2" ]; then hostname "$2" && domainname "$3" || exit 97; fi; shift 3; exec "$@"';

export interface BuildCommand {
  readonly command: string;
  readonly args: string[];
  /** The variations the host builder cannot apply here, with why (the `variations` file says so). */
  readonly skipped: Partial<Record<VariationName, string>>;
}

/** clock: the faketime offset, when this build fakes its clock. */
export function buildCommand(profile: BuildProfile, clock: string | undefined): BuildCommand {
  const uts = profile.hostname !== undefined && canUnshareUts();
  const faketime = clock !== undefined && hasFaketime();
  const skipped: Partial<Record<VariationName, string>> = {
    'build user (name, uid, gid)': 'the host builder runs as the invoking user',
    'kernel personality (uname -r)': 'the host builder',
    ...(profile.hostname !== undefined && !uts ? { 'hostname, domainname': 'unshare --uts needs root' } : {}),
    ...(clock !== undefined && !faketime ? { clock: 'faketime is not installed' } : {}),
  };
  // NO_FAKE_STAT: libfaketime would also shift the mtimes stat() reports, so dpkg-deb would
  // pack files with dates +398 days off: a difference of our making, not the package's.
  const clockPrefix = faketime ? ['env', 'NO_FAKE_STAT=1', 'faketime', '-f', clock] : [];
  // -d: the builder ran dpkg-checkbuilddeps itself (to tell depwait from FTBFS); no need twice.
  const inner = ['nice', '-n', String(profile.nice), ...clockPrefix, 'dpkg-buildpackage', '-d', '-b', '-us', '-uc'];
  const shell = ['sh', '-c', SCRIPT, 'sh', profile.umask, uts ? (profile.hostname ?? '') : '', uts ? (profile.domainname ?? '') : '', ...inner];
  return uts ? { command: 'unshare', args: ['--uts', '--', ...shell], skipped } : { command: shell[0]!, args: shell.slice(1), skipped };
}
