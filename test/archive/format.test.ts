import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readVerdict } from '../../src/archive/checks.js';
import {
  type ArchivedVerdict,
  VERDICT_FILE,
  VerdictFileError,
  buildDir,
  checkDir,
  checkTimeOf,
  formatVerdict,
  parseVerdict,
} from '../../src/archive/format.js';
import { parseStanza } from '../../src/debian/deb822.js';
import { Layout } from '../../src/spool/layout.js';
import { sandbox } from '../helpers/spool.js';

const minimal: ArchivedVerdict = {
  source: 'hello',
  version: '2.10-3',
  suite: 'bookworm',
  architecture: 'amd64',
  verdict: 'reproducible',
  date: '2026-12-03T10:00:00.000Z',
};

const full: ArchivedVerdict = {
  ...minimal,
  verdict: 'unreproducible',
  scheduled: '2026-12-03T09:00:00.000Z',
  category: 'retest',
  reason: 'nine days old',
  requester: 'cron',
  detail: 'the two builds differ',
  failsOnlyIn: 2,
  differing: ['hello_2.10-3_amd64.deb', 'hello-dbgsym_2.10-3_amd64.deb'],
  onlyInBuild1: ['a.deb'],
  onlyInBuild2: ['b.deb'],
  environmentChanged: ['libc6 2.36-9 -> 2.36-9+deb12u1', 'gcc-12 12.2.0-14'],
  differingFiles: [
    { file: 'hello_2.10-3_amd64.deb', members: ['./usr/bin/hello', './usr/share/man/man1/hello.1.gz'] },
    { file: 'hello-dbgsym_2.10-3_amd64.deb', members: [] },
  ],
  diffoscope: 'written',
};

const parse = (text: string) => parseVerdict(parseStanza(text), 'the/verdict');

describe('the verdict file', () => {
  it('reads back every field it writes, the smallest and the fullest', () => {
    assert.deepEqual(parse(formatVerdict(minimal)), minimal);
    assert.deepEqual(parse(formatVerdict(full)), full);
  });

  it('writes Debian control fields in a fixed order, empty lists left out', () => {
    const text = formatVerdict({ ...full, differing: [], differingFiles: [] });
    assert.match(text, /^Source: hello\nVersion: 2\.10-3\nSuite: bookworm\nArchitecture: amd64\nVerdict: unreproducible\n/);
    assert.match(text, /\nFails-Only-In: build 2\n/);
    assert.match(text, /\nEnvironment-Changed: yes\n libc6 2\.36-9 -> 2\.36-9\+deb12u1\n gcc-12 12\.2\.0-14\n/);
    assert.doesNotMatch(text, /Differing:|Differing-Files:/);
  });

  for (const [what, text, named] of [
    [
      'a verdict word it does not know',
      formatVerdict(minimal).replace('Verdict: reproducible', 'Verdict: fine'),
      /the\/verdict: Verdict is "fine", expected one of reproducible unreproducible/,
    ],
    [
      'a build that is neither 1 nor 2',
      formatVerdict({ ...minimal, failsOnlyIn: 1 }).replace('build 1', 'build 3'),
      /Fails-Only-In is "build 3", expected "build 1" or "build 2"/,
    ],
    [
      'a diffoscope outcome it does not know',
      formatVerdict({ ...minimal, diffoscope: 'written' }).replace('written', 'maybe'),
      /Diffoscope is "maybe", expected one of written timeout/,
    ],
    ['a required field missing', formatVerdict(minimal).replace(/^Date: .*\n/m, ''), /the\/verdict: no Date field/],
  ] as const) {
    it(`refuses ${what} with an integrity error naming the file and the field`, () => {
      assert.throws(
        () => parse(text),
        (error: unknown) => error instanceof VerdictFileError && error.kind === 'integrity' && error.file === 'the/verdict' && named.test(error.message),
      );
    });
  }

  it('reads a check directory: no verdict yet is undefined, a file that is no stanza is a VerdictFileError', () => {
    const s = sandbox('format');
    const check = checkDir(new Layout(s.root), { suite: 'bookworm', arch: 'amd64', pkg: 'hello', version: '2.10-3' }, minimal.date);
    fs.mkdirSync(check, { recursive: true });
    assert.equal(readVerdict(check), undefined, 'killed before its verdict');
    fs.writeFileSync(path.join(check, VERDICT_FILE), formatVerdict(full));
    assert.deepEqual(readVerdict(check), full);
    fs.writeFileSync(path.join(check, VERDICT_FILE), 'no colon on this line\n');
    assert.throws(
      () => readVerdict(check),
      (error: unknown) => error instanceof VerdictFileError && error.file === path.join(check, VERDICT_FILE),
    );
  });
});

describe('the archive paths', () => {
  it("names a check by its time, ':' and '.' as '-', and reads that time back", () => {
    const check = checkDir(new Layout('/spool'), { suite: 'trixie', arch: 'arm64', pkg: 'zlib', version: '1:1.3-1' }, '2026-12-03T10:11:12.345Z');
    assert.equal(check, '/spool/archive/trixie/arm64/zlib/1:1.3-1/2026-12-03T10-11-12-345Z');
    assert.equal(checkTimeOf(path.basename(check)), Date.parse('2026-12-03T10:11:12.345Z'));
    assert.equal(checkTimeOf('.removing-2026-12-03T10-11-12-345Z'), undefined);
    assert.equal(checkTimeOf('notes'), undefined);
    assert.equal(buildDir(check, 2), `${check}/build2`);
  });
});
