/**
 * The dpkg-buildpackage command line for a profile. Values reach the shell only as
 * positional parameters ("$1"…), never inside the script text.
 */
import { type BuildProfile, DISORDERFS_SKIPPED, profileVariations } from './variations.js';
import { canUnshareUts, hasFaketime } from './tools.js';

const SCRIPT = 'umask "$1"; if [ -n "$2" ]; then hostname "$2" && domainname "$3" || exit 97; fi; shift 3; exec "$@"';

export interface AppliedVariation {
  readonly name: string;
  readonly value: string;
}

export interface BuildCommand {
  readonly command: string;
  readonly args: string[];
  readonly applied: AppliedVariation[];
}

/** clock: the faketime offset, when this build fakes its clock. */
export function buildCommand(profile: BuildProfile, clock: string | undefined): BuildCommand {
  const applied: AppliedVariation[] = profileVariations(profile).map(([name, value]) => ({ name, value }));
  const uts = profile.hostname !== undefined && canUnshareUts();
  if (profile.hostname !== undefined) {
    applied.push({ name: 'hostname', value: uts ? `${profile.hostname}, ${profile.domainname}` : 'skipped: unshare --uts needs root' });
  }
  const faketime = clock !== undefined && hasFaketime();
  if (clock !== undefined) applied.push({ name: 'faketime', value: faketime ? clock : 'skipped: faketime is not installed' });
  if (profile.disorderfs) applied.push({ name: 'disorderfs', value: `skipped: ${DISORDERFS_SKIPPED}` });
  applied.push({ name: 'Build-User', value: 'skipped: the host builder runs as the invoking user' }, { name: 'Kernel', value: 'skipped: the host builder' });
  // NO_FAKE_STAT: libfaketime would also shift the mtimes stat() reports, so dpkg-deb would
  // pack files with dates +398 days off: a difference of our making, not the package's.
  const clockPrefix = faketime ? ['env', 'NO_FAKE_STAT=1', 'faketime', '-f', clock] : [];
  // -d: the builder ran dpkg-checkbuilddeps itself (to tell depwait from FTBFS); no need twice.
  const inner = ['nice', '-n', String(profile.nice), ...clockPrefix, 'dpkg-buildpackage', '-d', '-b', '-us', '-uc'];
  const shell = ['sh', '-c', SCRIPT, 'sh', profile.umask, uts ? (profile.hostname ?? '') : '', uts ? (profile.domainname ?? '') : '', ...inner];
  return uts ? { command: 'unshare', args: ['--uts', '--', ...shell], applied } : { command: shell[0]!, args: shell.slice(1), applied };
}
