import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, it } from 'node:test';
import { type RejectedStanza, buildsOn, parseSourcesIndex, readIndexFile, readIndexText } from '../../src/debian/sources-index.js';
import { SpoolError } from '../../src/errors.js';
import { tempDir } from '../helpers/spool.js';

const SHA = 'b'.repeat(64);
const stanza = (name: string, version: string, arch = 'any') =>
  `Package: ${name}\nBinary: ${name}\nVersion: ${version}\nArchitecture: ${arch}\nDirectory: pool/main/${name[0]}/${name}\nChecksums-Sha256:\n ${SHA} 1000 ${name}_${version.replace(/^\d+:/, '')}.dsc\n ${SHA} 9999 ${name}_1.0.tar.xz\n`;

describe('Sources indexes', () => {
  it('yields name, version, pool directory and the .dsc sha256 of each stanza', () => {
    const [record] = parseSourcesIndex(stanza('hello', '1:2.10-3', 'any all'));
    assert.deepEqual(record, {
      name: 'hello',
      version: '1:2.10-3',
      directory: 'pool/main/h/hello',
      architectures: ['any', 'all'],
      dscName: 'hello_2.10-3.dsc',
      dscSha256: SHA,
    });
  });

  it('reads plain, gzip and xz files alike', () => {
    const text = `${stanza('aa', '1.0')}\n${stanza('bb', '2.0')}`;
    const dir = tempDir('index');
    fs.writeFileSync(path.join(dir, 'Sources'), text);
    fs.writeFileSync(path.join(dir, 'Sources.gz'), zlib.gzipSync(text));
    execFileSync('xz', ['-k', path.join(dir, 'Sources')]);
    for (const name of ['Sources', 'Sources.gz', 'Sources.xz']) {
      assert.deepEqual(
        parseSourcesIndex(readIndexFile(path.join(dir, name))).map((r) => r.name),
        ['aa', 'bb'],
        name,
      );
    }
    assert.equal(readIndexText(Buffer.from('plain')), 'plain');
  });

  it('leaves out a malformed stanza, naming its line, and keeps the others', () => {
    const text = [
      stanza('aa', '1.0'),
      stanza('bb', '2.0').replace('Directory: pool/main/b/bb', 'Directory: ../../etc'),
      stanza('cc', '3.0').replace('Package: cc', 'Package: ../cc'),
      'Package broken without a colon\n',
      stanza('dd', '4.0'),
    ].join('\n');
    const rejected: RejectedStanza[] = [];
    assert.deepEqual(
      parseSourcesIndex(text, rejected).map((r) => r.name),
      ['aa', 'dd'],
    );
    assert.equal(rejected.length, 3);
    assert.match(rejected[0]!.problem, /line 10: unsafe Directory "\.\.\/\.\.\/etc"/);
    assert.match(rejected[1]!.problem, /invalid Package\/Version "\.\.\/cc 3\.0"/);
  });

  it('refuses a gzip bomb once its text passes the bound, without inflating the rest', () => {
    const bomb = zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024, 'a'));
    assert.ok(bomb.length < 64 * 1024);
    assert.throws(
      () => readIndexText(bomb, 1024 * 1024),
      (error: unknown) => error instanceof SpoolError && error.kind === 'usage' && /more than 1048576 bytes/.test(error.message),
    );
    assert.equal(readIndexText(bomb, 16 * 1024 * 1024).length, 8 * 1024 * 1024);
  });

  it('knows which architectures a source builds on', () => {
    const [record] = parseSourcesIndex(stanza('hello', '1.0', 'any-arm64 all'));
    assert.deepEqual(
      ['amd64', 'arm64', 'armhf'].map((a) => buildsOn(record!, a)),
      [true, true, false],
    );
  });
});
