/**
 * A suite's InRelease (dists/$SUITE/InRelease): the Release file, clearsigned by the
 * archive. gpgv checks the signature against a keyring and prints exactly the signed
 * text, so nothing outside the signature is ever read; that text names the suite and
 * lists each index with its size and sha256 (the SHA256 field), which is what ties a
 * Sources index to the archive's key.
 */
import { SpoolError } from '../errors.js';
import { runQuick } from '../process/run.js';
import { Deb822Error, parseStanza } from './deb822.js';

export interface SignedIndex {
  readonly sha256: string;
  readonly size: number;
}

/** The signed text of an InRelease, verified by gpgv with the keyring; SpoolError('integrity') when the signature does not verify. */
export function verifiedRelease(inRelease: string, keyring: string, mirror: string): string {
  const run = runQuick('gpgv', ['--quiet', '--keyring', keyring, '--output', '-', inRelease], { timeoutMs: 60_000 });
  if (run.error) throw new SpoolError('failed', `cannot run gpgv to verify ${mirror}'s InRelease: ${run.error.message}`);
  if (run.exitCode !== 0) {
    throw new SpoolError(
      'integrity',
      `${mirror}'s InRelease does not verify with the keyring ${keyring} (gpgv exited ${run.exitCode}: ${run.stderr.toString('utf8').trim()}); ` +
        'its Sources index is not used',
    );
  }
  return run.stdout.toString('utf8');
}

/**
 * The size and sha256 the signed Release gives an index (`main/source/Sources.xz`).
 * The Release must be the suite's own (its Suite or Codename), else a validly signed
 * Release of another suite could stand in for it.
 */
export function signedIndexEntry(release: string, suite: string, indexPath: string, mirror: string): SignedIndex | undefined {
  let fields;
  try {
    fields = parseStanza(release);
  } catch (error) {
    if (error instanceof Deb822Error) throw new SpoolError('integrity', `${mirror}'s signed Release is not one deb822 stanza (${error.message})`);
    throw error;
  }
  if (fields.get('Suite') !== suite && fields.get('Codename') !== suite) {
    throw new SpoolError(
      'integrity',
      `${mirror}'s InRelease for ${suite} is signed but belongs to Suite ${JSON.stringify(fields.get('Suite') ?? '')} ` +
        `(Codename ${JSON.stringify(fields.get('Codename') ?? '')}): refused`,
    );
  }
  for (const line of (fields.get('SHA256') ?? '').split('\n')) {
    const [sha256, size, name] = line.trim().split(/\s+/);
    if (name === indexPath && sha256 !== undefined && /^[0-9a-f]{64}$/.test(sha256) && size !== undefined && /^[0-9]+$/.test(size)) {
      return { sha256, size: Number(size) };
    }
  }
  return undefined;
}
