import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SpoolError } from '../../src/errors.js';
import { type IndexTrust, fetchSourcesIndex } from '../../src/schedule/index-fetch.js';
import { openSpool } from '../../src/spool/spool.js';
import { HELLO_AND_WORLD, type Mirror, startMirror } from '../helpers/mirror.js';
import { sandbox, tempDir } from '../helpers/spool.js';

const OPTIONS = { idleTimeoutMs: 2000, deadlineMs: 30_000, retries: 0, backoffMs: 10, maxBytes: 1 << 20 };

/** A signing key of the test's own, in a GnuPG home of its own, and its public keyring. */
function makeKey(label: string): { home: string; keyring: string } {
  const home = tempDir(`gnupg-${label}`);
  const gpg = (...args: string[]) => execFileSync('gpg', ['--homedir', home, '--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '', ...args]);
  gpg('--quick-gen-key', `repro-spool ${label} <${label}@example.org>`, 'ed25519', 'sign', 'never');
  const keyring = path.join(home, 'archive-keyring.gpg');
  fs.writeFileSync(keyring, gpg('--export'));
  return { home, keyring };
}

/** dists/SUITE/InRelease of the mirror, listing its Sources indexes as they are, signed by key. */
function signRelease(mirror: Mirror, key: { home: string }, fields: { suite?: string; codename?: string } = {}): void {
  const dist = path.join(mirror.root, 'dists', 'bookworm');
  const lines = ['main/source/Sources.xz', 'main/source/Sources.gz'].map((p) => {
    const body = fs.readFileSync(path.join(dist, p));
    return ` ${crypto.createHash('sha256').update(body).digest('hex')} ${body.length} ${p}`;
  });
  const release = path.join(tempDir('release'), 'Release');
  fs.writeFileSync(release, `Suite: ${fields.suite ?? 'stable'}\nCodename: ${fields.codename ?? 'bookworm'}\nComponents: main\nSHA256:\n${lines.join('\n')}\n`);
  fs.rmSync(path.join(dist, 'InRelease'), { force: true });
  execFileSync('gpg', [
    '--homedir',
    key.home,
    '--batch',
    '--quiet',
    '--pinentry-mode',
    'loopback',
    '--passphrase',
    '',
    '--clearsign',
    '-o',
    path.join(dist, 'InRelease'),
    release,
  ]);
}

let mirror: Mirror;
let archive: { home: string; keyring: string };
let impostor: { home: string; keyring: string };
before(async () => {
  mirror = await startMirror(HELLO_AND_WORLD);
  archive = makeKey('archive');
  impostor = makeKey('impostor');
});
after(() => mirror.close());

const fetchIndex = (trust: Partial<IndexTrust> = {}) =>
  fetchSourcesIndex(openSpool(sandbox('index-fetch').root), mirror.url, 'bookworm', 'main', OPTIONS, { keyring: archive.keyring, required: false, ...trust });

const integrity = (pattern: RegExp) => (error: unknown) => error instanceof SpoolError && error.kind === 'integrity' && pattern.test(error.message);

describe("the Sources index, verified against the suite's signed InRelease", () => {
  it('is taken when the signature verifies with the keyring and the index matches its signed sha256 and size', async () => {
    signRelease(mirror, archive);
    const fetched = await fetchIndex();
    assert.match(fetched.text, /^Package: hello$/m);
    assert.match(fetched.verification, /Sources\.xz from http:\/\/127\.0\.0\.1:\d+: verified against the signed InRelease \(keyring .*archive-keyring\.gpg\)/);
  });

  it('is refused (exit 5) when the index is not what the signed Release lists', async () => {
    signRelease(mirror, archive);
    mirror.fault('dists/bookworm/main/source/Sources.xz', 'corrupt');
    try {
      await assert.rejects(fetchIndex(), integrity(/Sources\.xz has sha256 [0-9a-f]{64} \(\d+ bytes\), its signed InRelease says [0-9a-f]{64}/));
    } finally {
      mirror.fault('dists/bookworm/main/source/Sources.xz', undefined);
    }
  });

  it('is refused (exit 5) when the InRelease is signed by a key outside the keyring, or is another suite’s', async () => {
    signRelease(mirror, impostor);
    await assert.rejects(fetchIndex(), integrity(/InRelease does not verify with the keyring .*archive-keyring\.gpg \(gpgv exited/));
    signRelease(mirror, archive, { suite: 'testing', codename: 'trixie' });
    await assert.rejects(fetchIndex(), integrity(/InRelease for bookworm is signed but belongs to Suite "testing" \(Codename "trixie"\)/));
  });

  it('is used unverified, and says so, from a mirror with no InRelease; refused there when a signed index is required', async () => {
    fs.rmSync(path.join(mirror.root, 'dists/bookworm/InRelease'), { force: true });
    const fetched = await fetchIndex();
    assert.match(fetched.verification, /NOT verified: the mirror serves no InRelease/);
    await assert.rejects(fetchIndex({ required: true }), integrity(/serves no InRelease for bookworm, and the configuration requires a signed index/));
  });

  it('names the keyring it lacks (exit 2) when the mirror is signed and the keyring is missing', async () => {
    signRelease(mirror, archive);
    await assert.rejects(
      fetchIndex({ keyring: '/nonexistent/keyring.gpg' }),
      (error: unknown) => error instanceof SpoolError && error.kind === 'usage' && /no keyring "\/nonexistent\/keyring\.gpg" to verify/.test(error.message),
    );
  });
});
