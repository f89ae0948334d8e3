/** What names one entry, whatever state it is in: suite, architecture, source package, version. */
import { isName, isPackageName, isVersion, validateName, validatePackageName, validateVersion } from './names.js';

export interface EntryId {
  readonly suite: string;
  readonly arch: string;
  readonly pkg: string;
  readonly version: string;
}

/** Validates every component; throws a usage error naming the first bad value. */
export function entryId(suite: string, arch: string, pkg: string, version: string): EntryId {
  return {
    suite: validateName('suite', suite),
    arch: validateName('architecture', arch),
    pkg: validatePackageName(pkg),
    version: validateVersion(version),
  };
}

export function formatId(id: EntryId): string {
  return `${id.suite}/${id.arch}/${id.pkg}/${id.version}`;
}

/** A flat key, unique per identity because '_' is in none of the name grammars. */
export function idKey(id: EntryId): string {
  return `${id.suite}/${id.arch}/${id.pkg}_${id.version}`;
}

/** For names read back from disk: the identity if every component is valid, else undefined. */
export function entryIdOrUndefined(suite: string, arch: string, pkg: string, version: string): EntryId | undefined {
  return isName('suite', suite) && isName('architecture', arch) && isPackageName(pkg) && isVersion(version) ? { suite, arch, pkg, version } : undefined;
}
