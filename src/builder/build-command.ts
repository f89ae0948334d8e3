/**
 * The dpkg-buildpackage command line for a profile. Values reach the shell only as
 * positional parameters ("$1"…), never inside the script text.
 */
import type { BuildProfile, VariationId } from './variations.js';
import { cpuAffinity, personalityPrefix } from './personality.js';
import { canUnshareUts, hasFaketime } from './tools.js';

const SCRIPT = 'umask "$1"; if [ -n "$2" ]; then hostname "$2" && domainname "$3" || exit 97; fi; shift 3; exec "$@"';

export interface BuildCommand {
  readonly command: string;
  readonly args: string[];
  /** The variations the host builder cannot apply here, with why (the `variations` file says so). */
  readonly skipped: Partial<Record<VariationId, string>>;
  /** The CPUs it runs on, as the `variations` file says. */
  readonly cpus: string;
}

/** clock: the faketime offset, when this build fakes its clock. */
export function buildCommand(profile: BuildProfile, clock: string | undefined): BuildCommand {
  const uts = profile.hostname !== undefined && canUnshareUts();
  const faketime = clock !== undefined && hasFaketime();
  const affinity = cpuAffinity(profile);
  const skipped: Partial<Record<VariationId, string>> = {
    user: 'the host builder runs as the invoking user',
    ...(profile.hostname !== undefined && !uts ? { hostname: 'unshare --uts needs root' } : {}),
    ...(clock !== undefined && !faketime ? { clock: 'faketime is not installed' } : {}),
    ...(affinity.skipped ? { cpus: affinity.skipped } : {}),
  };
  // NO_FAKE_STAT: libfaketime would also shift the mtimes stat() reports, so dpkg-deb would
  // pack files with dates +398 days off: a difference of our making, not the package's.
  const clockPrefix = faketime ? ['env', 'NO_FAKE_STAT=1', 'faketime', '-f', clock] : [];
  // -d: the builder ran dpkg-checkbuilddeps itself (to tell depwait from FTBFS); no need twice.
  const inner = ['nice', '-n', String(profile.nice), ...clockPrefix, 'dpkg-buildpackage', '-d', '-b', '-us', '-uc'];
  const shell = ['sh', '-c', SCRIPT, 'sh', profile.umask, uts ? (profile.hostname ?? '') : '', uts ? (profile.domainname ?? '') : '', ...inner];
  const [command, ...args] = [...affinity.prefix, ...personalityPrefix(profile), ...(uts ? ['unshare', '--uts', '--'] : []), ...shell] as [string, ...string[]];
  return { command, args, skipped, cpus: affinity.recorded };
}
