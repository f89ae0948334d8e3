import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Deb822Error } from '../../src/debian/deb822.js';
import { parseDsc } from '../../src/debian/dsc.js';

const SHA = 'a'.repeat(64);
const BODY = `Format: 3.0 (quilt)\nSource: hello\nVersion: 2.10-3\nChecksums-Sha256:\n ${SHA} 1183 hello_2.10.orig.tar.gz\n ${SHA} 12688 hello_2.10-3.debian.tar.xz\n`;

describe('.dsc files', () => {
  it('lists the files of a source package with size and sha256', () => {
    const dsc = parseDsc(BODY);
    assert.equal(dsc.source, 'hello');
    assert.deepEqual(
      dsc.files.map((f) => [f.name, f.size]),
      [
        ['hello_2.10.orig.tar.gz', 1183],
        ['hello_2.10-3.debian.tar.xz', 12688],
      ],
    );
  });

  it('reads the body of a PGP clearsigned .dsc, dash-escaped lines included', () => {
    const signed = `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n${BODY.replace('Format:', '- Format:')}\n-----BEGIN PGP SIGNATURE-----\n\niQIz\n-----END PGP SIGNATURE-----\n`;
    assert.equal(parseDsc(signed).fields.get('Format'), '3.0 (quilt)');
  });

  it('names the line of the signed file where the body is malformed', () => {
    const signed = `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nSource: hello\nbroken line\n-----BEGIN PGP SIGNATURE-----\n-----END PGP SIGNATURE-----\n`;
    assert.throws(
      () => parseDsc(signed),
      (e: unknown) => e instanceof Deb822Error && e.line === 5,
    );
  });

  it('refuses file names that could leave the download directory', () => {
    for (const name of ['../evil', 'a/b.tar.gz', '.hidden', 'x..y']) {
      assert.throws(() => parseDsc(BODY.replace('hello_2.10.orig.tar.gz', name)), /unsafe file name|malformed/, name);
    }
  });
});
