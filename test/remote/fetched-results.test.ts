import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { NodeIntegrityError } from '../../src/errors.js';
import { type ListedFile, MAX_RESULT_FILES, parseBuildAnswer, parseResultListing, verifyFetchedResults } from '../../src/remote/fetched-results.js';
import { id, tempDir } from '../helpers/spool.js';

const DSC_SHA = 'c'.repeat(64);
const integrity = (pattern: RegExp) => (error: unknown) => error instanceof NodeIntegrityError && error.node === 'node1' && pattern.test(error.message);

/** A results directory as node1's build 1 of hello leaves it, and the listing the node would give of it. */
function results(status = 'built', marker: Record<string, string> = {}) {
  const dir = tempDir('fetched');
  const fields = {
    Source: 'hello',
    Version: '1.0-1',
    Suite: 'bookworm',
    Architecture: 'amd64',
    Node: 'node1',
    Status: status,
    'Build-Number': '1',
    'Dsc-Sha256': DSC_SHA,
    ...marker,
  };
  fs.writeFileSync(
    path.join(dir, 'result'),
    Object.entries(fields)
      .map(([k, v]) => `${k}: ${v}\n`)
      .join(''),
  );
  fs.writeFileSync(path.join(dir, 'variations'), 'Umask: 0002\n');
  fs.writeFileSync(path.join(dir, 'build.log.gz'), 'log');
  fs.writeFileSync(path.join(dir, 'entry'), 'Source: hello\n');
  if (status === 'built') {
    fs.writeFileSync(path.join(dir, 'hello_1.0-1_amd64.deb'), 'deb');
    fs.writeFileSync(path.join(dir, 'hello_1.0-1_amd64.buildinfo'), 'Format: 1.0\n');
  }
  const listed: ListedFile[] = fs.readdirSync(dir).map((name) => ({ name, size: fs.statSync(path.join(dir, name)).size }));
  return { dir, listed };
}

const expected = (listed: readonly ListedFile[], status: 'built' | 'FTBFS' = 'built') => ({
  node: 'node1',
  buildNumber: 1 as const,
  id: id('hello'),
  dscSha256: DSC_SHA,
  status,
  listed,
});

describe("a build node's answer", () => {
  it('is taken when it is a build status with a bounded duration, and refused naming the value otherwise', () => {
    assert.deepEqual(parseBuildAnswer('node1', 1, '{"status": "built", "durationSeconds": 12.5, "extra": 1}', 3600), {
      status: 'built',
      durationSeconds: 12.5,
    });
    const cases: Array<[string, RegExp]> = [
      ['{"status": "reproducible", "durationSeconds": 1}', /status "reproducible": expected one of built, FTBFS/],
      ['{"status": "blacklisted", "durationSeconds": 1}', /status "blacklisted"/],
      ['{"status": "built", "durationSeconds": 1e999}', /durationSeconds Infinity: expected a number of seconds from 0 to 3600/],
      ['{"status": "built", "durationSeconds": -1}', /durationSeconds -1/],
      ['{"status": "built", "durationSeconds": 99999}', /durationSeconds 99999/],
      ['{"status": "built"}', /durationSeconds missing/],
      ['[1, 2]', /\(top level\) \[1,2\]: expected an object with status and durationSeconds/],
      ['Welcome!\n{}', /output that is not JSON: "Welcome!\\n\{\}"/],
    ];
    for (const [stdout, message] of cases) assert.throws(() => parseBuildAnswer('node1', 1, stdout, 3600), integrity(message), stdout);
  });
});

describe("a node's listing of its results", () => {
  it('accepts plain files and refuses links, directories, path names and what passes the bounds', () => {
    assert.deepEqual(parseResultListing('node1', 'f 3 result\nf 10 hello_1.0_amd64.deb\n', 100), [
      { name: 'result', size: 3 },
      { name: 'hello_1.0_amd64.deb', size: 10 },
    ]);
    const cases: Array<[string, RegExp]> = [
      ['l 4 evil.deb\n', /hold "evil\.deb", which is not a plain file \(find type l\)/],
      ['d 4096 sub\n', /which is not a plain file \(find type d\)/],
      ['f 1 sub/x.deb\n', /a file named "sub\/x\.deb": expected a plain file name/],
      ['f 1 .hidden\n', /a file named "\.hidden"/],
      ['f 60 a.deb\nf 60 b.deb\n', /hold more than 100 bytes \(the resultsMaxBytes threshold\)/],
      ['garbage\n', /listing holds "garbage": expected "TYPE SIZE NAME"/],
    ];
    for (const [listing, message] of cases) assert.throws(() => parseResultListing('node1', listing, 100), integrity(message), listing);
    const many = Array.from({ length: MAX_RESULT_FILES + 1 }, (_, i) => `f 0 f${i}.deb`).join('\n');
    assert.throws(() => parseResultListing('node1', many, 100), integrity(/more than 10000 files/));
  });
});

describe('fetched results', () => {
  it('pass when they are the build main asked for, as the node listed them', () => {
    const { dir, listed } = results();
    verifyFetchedResults(dir, expected(listed));
    const failed = results('FTBFS');
    verifyFetchedResults(failed.dir, expected(failed.listed, 'FTBFS'));
  });

  it('are refused when their marker names another entry, node, build, .dsc or status', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ Source: 'other' }, /Source "other": expected "hello"/],
      [{ Version: '9.9' }, /Version "9\.9": expected "1\.0-1"/],
      [{ Node: 'node2' }, /Node "node2": expected "node1"/],
      [{ 'Build-Number': '2' }, /Build-Number "2": expected "1"/],
      [{ 'Dsc-Sha256': '0'.repeat(64) }, /Dsc-Sha256 "0{64}": expected "c{64}"/],
      [{ Status: 'FTBFS' }, /Status "FTBFS": expected "built"/],
    ];
    for (const [marker, message] of cases) {
      const { dir, listed } = results('built', marker);
      assert.throws(() => verifyFetchedResults(dir, expected(listed)), integrity(message));
    }
  });

  it('are refused when built holds no .deb or no .buildinfo, or what arrived is not what was listed', () => {
    const noDeb = results();
    fs.rmSync(path.join(noDeb.dir, 'hello_1.0-1_amd64.deb'));
    assert.throws(
      () => verifyFetchedResults(noDeb.dir, expected(noDeb.listed.filter((f) => !f.name.endsWith('.deb')))),
      integrity(/say built but hold no \.deb/),
    );
    const noInfo = results();
    fs.rmSync(path.join(noInfo.dir, 'hello_1.0-1_amd64.buildinfo'));
    assert.throws(
      () => verifyFetchedResults(noInfo.dir, expected(noInfo.listed.filter((f) => !f.name.endsWith('.buildinfo')))),
      integrity(/say built but hold no \.buildinfo/),
    );
    const grown = results();
    fs.appendFileSync(path.join(grown.dir, 'hello_1.0-1_amd64.deb'), 'more');
    assert.throws(
      () => verifyFetchedResults(grown.dir, expected(grown.listed)),
      integrity(/hold "hello_1\.0-1_amd64\.deb" \(7 bytes\), which the node did not list/),
    );
    const extra = results();
    fs.writeFileSync(path.join(extra.dir, 'surprise.deb'), '');
    assert.throws(() => verifyFetchedResults(extra.dir, expected(extra.listed)), integrity(/"surprise\.deb" \(0 bytes\), which the node did not list/));
    const brokenVariations = results();
    fs.writeFileSync(path.join(brokenVariations.dir, 'variations'), 'not deb822\n');
    const relisted = brokenVariations.listed.map((f) => (f.name === 'variations' ? { name: f.name, size: 11 } : f));
    assert.throws(() => verifyFetchedResults(brokenVariations.dir, expected(relisted)), integrity(/variations file that is not deb822/));
  });
});
