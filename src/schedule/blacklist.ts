/**
 * The blacklist: source packages that are never built, as the original system kept one
 * (a package that takes a node down, or whose build cannot finish). A plain text file the
 * operator edits, one package per line, optionally limited to some suite/arch pairs, the
 * reason after a '#':
 *
 *     # PKG [SUITE/ARCH ...]  # reason
 *     chromium                # 20 hours per build, the nodes swap
 *     linux bookworm/amd64    # needs more disk than the nodes have
 *
 * A missing file is an empty blacklist. A line that does not parse is an error naming the
 * file, the line and the bad value: a typo must not silently unblacklist a package.
 */
import fs from 'node:fs';
import { SpoolError, errnoCode, quoteValue } from '../errors.js';
import { isName, isPackageName } from '../spool/names.js';

export interface BlacklistEntry {
  readonly pkg: string;
  /** "suite/arch" pairs it is limited to; empty: every suite and architecture. */
  readonly only: readonly string[];
  readonly reason: string;
}

export class Blacklist {
  constructor(
    /** Where it was read from, for messages. */
    readonly file: string,
    readonly entries: readonly BlacklistEntry[],
  ) {}

  /** Why PKG must not be built in suite/arch, or undefined if it may be. */
  reasonFor(pkg: string, suite: string, arch: string): string | undefined {
    const found = this.entries.find((e) => e.pkg === pkg && (e.only.length === 0 || e.only.includes(`${suite}/${arch}`)));
    return found && (found.reason || `listed in ${this.file}`);
  }
}

export function loadBlacklist(file: string): Blacklist {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return new Blacklist(file, []);
    throw error;
  }
  return new Blacklist(file, parseBlacklist(file, text));
}

export function parseBlacklist(file: string, text: string): BlacklistEntry[] {
  const entries: BlacklistEntry[] = [];
  text.split('\n').forEach((line, index) => {
    const at = `${file} line ${index + 1}`;
    const hash = line.indexOf('#');
    const words = (hash === -1 ? line : line.slice(0, hash)).trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) return;
    const [pkg, ...only] = words as [string, ...string[]];
    if (!isPackageName(pkg)) throw new SpoolError('usage', `${at}: ${quoteValue(pkg)} is not a source package name (expected "PKG [SUITE/ARCH ...] # reason")`);
    for (const pair of only) {
      const [suite, arch, extra] = pair.split('/');
      if (extra !== undefined || !suite || !arch || !isName('suite', suite) || !isName('architecture', arch)) {
        throw new SpoolError('usage', `${at}: ${quoteValue(pair)} is not SUITE/ARCH (expected "PKG [SUITE/ARCH ...] # reason", e.g. "${pkg} bookworm/amd64")`);
      }
    }
    entries.push({ pkg, only, reason: hash === -1 ? '' : line.slice(hash + 1).trim() });
  });
  return entries;
}
