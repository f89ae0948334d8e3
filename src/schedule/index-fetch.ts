/**
 * A suite's indexes from the mirror (Sources for the catalogue, Packages for the archive
 * comparison): the .xz, falling back to .gz and to the plain file, as text, verified
 * against the suite's InRelease when the mirror serves one: its signature
 * by gpgv with the configured keyring, then the index's size and sha256 as the signed
 * Release lists them. A mirror serving no InRelease is used unverified (and says so), or
 * refused when the configuration requires a signed index.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readIndexFile } from '../debian/sources-index.js';
import { signedIndexEntry, verifiedRelease } from '../debian/release.js';
import { SpoolError } from '../errors.js';
import { type DownloadOptions, download } from '../fetch/download.js';
import { ensureDirInside, tempPath } from '../durable/atomic.js';
import type { Spool } from '../spool/spool.js';

export interface IndexTrust {
  /** The keyring the mirror's InRelease must verify with. */
  readonly keyring: string;
  /** A mirror serving no InRelease is refused (exit 5) instead of used unverified. */
  readonly required: boolean;
}

export interface FetchedIndex {
  readonly text: string;
  /** How the index was verified, for people (progress on stderr). */
  readonly verification: string;
}

/** An InRelease is a few hundred KB (Debian's has every index of every architecture). */
const RELEASE_MAX_BYTES = 16 * 1024 * 1024;

export function fetchSourcesIndex(
  spool: Spool,
  mirror: string,
  suite: string,
  component: string,
  options: DownloadOptions,
  trust: IndexTrust,
): Promise<FetchedIndex> {
  return fetchSuiteIndex(spool, mirror, suite, `${component}/source/Sources`, options, trust);
}

/** dists/$SUITE/$COMPONENT/binary-$ARCH/Packages: the archive's own .debs, with their sha256. */
export function fetchPackagesIndex(
  spool: Spool,
  mirror: string,
  suite: string,
  component: string,
  arch: string,
  options: DownloadOptions,
  trust: IndexTrust,
): Promise<FetchedIndex> {
  return fetchSuiteIndex(spool, mirror, suite, `${component}/binary-${arch}/Packages`, options, trust);
}

/** The index at dists/$SUITE/$INDEX(.xz|.gz|), the first the signed Release lists (or the mirror serves, unsigned). */
async function fetchSuiteIndex(spool: Spool, mirror: string, suite: string, index: string, options: DownloadOptions, trust: IndexTrust): Promise<FetchedIndex> {
  ensureDirInside(spool.layout.root, spool.layout.tmpDir);
  const release = await fetchRelease(spool, mirror, suite, options, trust);
  if (release === undefined && trust.required) {
    throw new SpoolError(
      'integrity',
      `the mirror ${mirror} serves no InRelease for ${suite}, and the configuration requires a signed index (requireSignedIndex)`,
    );
  }
  for (const name of [`${index}.xz`, `${index}.gz`, index]) {
    const signed = release === undefined ? undefined : signedIndexEntry(release, suite, name, mirror);
    if (release !== undefined && signed === undefined) continue; // the signed Release does not list this one
    const file = tempPath(spool.layout.tmpDir, path.basename(name));
    try {
      const got = await download(`${mirror}/dists/${suite}/${name}`, file, { ...options, maxBytes: 1 << 30 });
      if (got.status === 'unreachable') throw new SpoolError('unreachable', `mirror unreachable: ${got.reason}`);
      if (got.status === 'not-found') continue;
      if (signed && (got.sha256 !== signed.sha256 || got.size !== signed.size)) {
        throw new SpoolError(
          'integrity',
          `${mirror}'s ${suite}/${name} has sha256 ${got.sha256} (${got.size} bytes), its signed InRelease says ` +
            `${signed.sha256} (${signed.size} bytes): not used`,
        );
      }
      const verification = signed ? `verified against the signed InRelease (keyring ${trust.keyring})` : 'NOT verified: the mirror serves no InRelease';
      return { text: readIndexFile(file), verification: `${suite}/${name} from ${mirror}: ${verification}` };
    } finally {
      fs.rmSync(file, { force: true });
    }
  }
  throw new SpoolError('failed', `the mirror ${mirror} has no ${release ? 'signed ' : ''}${path.basename(index)} index for ${suite}/${path.dirname(index)}`);
}

/** The signed text of the suite's InRelease; undefined when the mirror has none (404). */
async function fetchRelease(spool: Spool, mirror: string, suite: string, options: DownloadOptions, trust: IndexTrust): Promise<string | undefined> {
  const file = tempPath(spool.layout.tmpDir, 'InRelease');
  try {
    const got = await download(`${mirror}/dists/${suite}/InRelease`, file, { ...options, maxBytes: RELEASE_MAX_BYTES });
    if (got.status === 'not-found') return undefined;
    if (got.status === 'unreachable') throw new SpoolError('unreachable', `mirror unreachable: ${got.reason}`);
    if (!fs.existsSync(trust.keyring)) {
      throw new SpoolError(
        'usage',
        `no keyring ${JSON.stringify(trust.keyring)} to verify ${mirror}'s InRelease with: install debian-archive-keyring or set "mirrorKeyring"`,
      );
    }
    return verifiedRelease(file, trust.keyring, mirror);
  } finally {
    fs.rmSync(file, { force: true });
  }
}
