import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Layout } from '../../src/spool/layout.js';
import {
  KeyDir,
  KeyFormatError,
  endorsedKey,
  parsePublicKeyFile,
  publicKeyOf,
  readPublicKeyDir,
  verifySignature,
  formatPublicKeyFile,
} from '../../src/trust/keys.js';
import { pinKeys, pinnedKeys } from '../../src/trust/pins.js';
import { sandbox } from '../helpers/spool.js';

function spoolLayout(label: string): Layout {
  const s = sandbox(label);
  fs.mkdirSync(s.root, { recursive: true });
  return new Layout(s.root);
}

describe('signing keys', () => {
  it('makes the key on first use, private to its owner, and gives the same key to every later use', () => {
    const layout = spoolLayout('keys-first');
    const keys = new KeyDir(layout);
    assert.equal(keys.current(), undefined, 'nothing is made by looking');
    const first = keys.signingKey();
    assert.equal(fs.statSync(path.join(layout.keysDir, 'signing.key')).mode & 0o777, 0o600);
    assert.equal(fs.statSync(layout.keysDir).mode & 0o777, 0o700);
    assert.equal(new KeyDir(layout).signingKey().keyid, first.keyid);
    assert.ok(verifySignature(first, 'data', first.sign('data')));
    assert.ok(!verifySignature(first, 'other data', first.sign('data')));
    assert.ok(!verifySignature(first, 'data', 'not hex'));
  });

  it('rotates to a new key and keeps the old one as previous', () => {
    const layout = spoolLayout('keys-rotate');
    const keys = new KeyDir(layout);
    const old = keys.signingKey();
    const rotated = keys.rotate();
    assert.equal(rotated.previous.keyid, old.keyid);
    assert.notEqual(rotated.current.keyid, old.keyid);
    assert.deepEqual(
      keys.previous().map((k) => k.keyid),
      [old.keyid],
    );
    keys.rotate();
    assert.equal(keys.previous().length, 2);
  });

  it('endorses a new key with the one it replaces, and an endorsement counts only from a trusted key and intact', () => {
    const keys = new KeyDir(spoolLayout('keys-endorse'));
    const old = keys.signingKey();
    assert.equal(keys.endorsement(), undefined, 'a first key is endorsed by nobody');
    const { current } = keys.rotate();
    const endorsement = keys.endorsement()!;
    assert.equal(endorsement.by, old.keyid);
    assert.equal(endorsedKey(endorsement, [old])?.keyid, current.keyid);
    assert.equal(endorsedKey(endorsement, [current]), undefined, 'not by a key main trusts');
    assert.equal(endorsedKey({ ...endorsement, public: 'ab'.repeat(32) }, [old]), undefined, 'another key in an endorsement of this one');
    assert.equal(endorsedKey({ ...endorsement, sig: 'ab'.repeat(64) }, [old]), undefined);
    assert.equal(endorsedKey('not an endorsement', [old]), undefined);
  });

  it('refuses a private key file that is not one, and a public key named by another id, naming the file (exit 5)', () => {
    const layout = spoolLayout('keys-corrupt');
    fs.mkdirSync(layout.keysDir, { recursive: true });
    fs.writeFileSync(path.join(layout.keysDir, 'signing.key'), 'garbage');
    assert.throws(
      () => new KeyDir(layout).signingKey(),
      (error: unknown) => error instanceof KeyFormatError && error.exitCode === 5 && /signing\.key: not a PEM private key/.test(error.message),
    );
    const key = publicKeyOf('ab'.repeat(32), 'test');
    const dir = path.join(layout.keysDir, 'previous');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, `${'0'.repeat(64)}.pub`), formatPublicKeyFile(key));
    assert.throws(() => readPublicKeyDir(dir), /holds the key [0-9a-f]{64}: a key file is named by its key id/);
  });

  it('reads only Ed25519 public keys in securesystemslib form', () => {
    assert.throws(
      () => parsePublicKeyFile('{"keytype":"rsa","scheme":"rsassa-pss-sha256","keyval":{"public":"x"}}', 'node1.pub'),
      /node1\.pub: expected a securesystemslib ed25519 public key/,
    );
    assert.throws(() => parsePublicKeyFile('not json', 'node1.pub'), /not JSON/);
    assert.throws(() => publicKeyOf('zz', 'SIGNING_KEY'), /SIGNING_KEY: public key "zz": expected 64 hex digits/);
  });

  it('pins are only added: a node keeps its old keys pinned when a new one is', () => {
    const layout = spoolLayout('keys-pins');
    const a = publicKeyOf('01'.repeat(32), 'a');
    const b = publicKeyOf('02'.repeat(32), 'b');
    pinKeys(layout, 'node1', [a]);
    pinKeys(layout, 'node1', [a, b]);
    assert.deepEqual(
      pinnedKeys(layout, 'node1')
        .map((k) => k.keyid)
        .sort(),
      [a.keyid, b.keyid].sort(),
    );
    assert.deepEqual(pinnedKeys(layout, 'node2'), []);
  });
});
