import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpoolError } from '../../src/errors.js';
import { isVersion, validateName, validatePackageName, validateVersion } from '../../src/spool/names.js';

describe('path component grammars', () => {
  it('accepts Debian versions with epochs, tildes, pluses and revisions', () => {
    for (const v of ['1.0', '1.0-1', '1:2.10-3', '2.10-3+deb12u1', '1.0~rc1-1~bpo12+1', '0.0~git20230101.abc-2', '1:1.2-3-4', '10:1.0', '3.0+dfsg-1.1']) {
      assert.equal(validateVersion(v), v, v);
    }
  });

  it('refuses what is not a Debian version, naming the value and the expected form', () => {
    const bad = [
      '',
      'a1.0',
      '1.0-',
      '1:',
      ':1.0',
      'x:1.0',
      '1.0:2',
      '1.0-a_b',
      '1.0 1',
      '1.0/1',
      '../1',
      '1.0\n',
      '1.0\0',
      '1.0;rm',
      '$(id)',
      '`id`',
      'é1',
      '1'.repeat(129),
    ];
    for (const v of bad) {
      assert.throws(
        () => validateVersion(v),
        (e: unknown) => {
          assert.ok(e instanceof SpoolError && e.kind === 'usage');
          assert.ok(e.message.includes(JSON.stringify(v)), `message names the value: ${e.message}`);
          assert.match(e.message, /expected a Debian version/);
          return true;
        },
        JSON.stringify(v),
      );
    }
  });

  it('accepts source package names by policy and refuses the rest', () => {
    for (const p of ['hello', 'g++-12', 'libc6.1', 'xz-utils', '0ad']) assert.equal(validatePackageName(p), p);
    for (const p of ['a', 'Hello', '-x', '.x', 'a b', 'a/b', '..', 'a;b', 'a_b', '$(touch x)', 'pkgé', 'x'.repeat(101), 'a\nb']) {
      assert.throws(() => validatePackageName(p), /invalid source package name .*expected a Debian source package name/, JSON.stringify(p));
    }
  });

  it('keeps state names out of node names and dots from making ".."', () => {
    assert.equal(validateName('node', 'hb0-armhf-rb.debian.net'), 'hb0-armhf-rb.debian.net');
    for (const n of ['pending', 'scheduled', 'failed', 'node-information']) assert.throws(() => validateName('node', n), /reserved/);
    for (const n of ['..', '.hidden', 'a..b', 'A', 'a_b', '', 'x'.repeat(64)]) assert.throws(() => validateName('suite', n), /invalid suite name/);
  });

  it('never lets an underscore in, so it can separate package and version in lock names', () => {
    assert.equal(isVersion('1.0_1'), false);
  });
});
