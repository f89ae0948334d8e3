import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type PublishedRow, trackerEntry } from '../../src/publish/tracker.js';
import { PUBLISHED_STATUS, PUBLISHED_VERDICTS } from '../../src/publish/status.js';
import { VERDICTS } from '../../src/store/records.js';

const row = (architecture: string, version: string, status: string): PublishedRow => ({
  package: 'hello',
  version,
  suite: 'trixie',
  architecture,
  status,
  build_date: '2026-12-01 10:00',
});

describe("the tracker file's entry of a package", () => {
  it('combines one version across architectures as the original: FTBFS, then FTBR, then reproducible, else depwait', () => {
    assert.equal(trackerEntry([row('amd64', '1.0', 'reproducible'), row('arm64', '1.0', 'FTBR')]).status, 'FTBR');
    assert.equal(trackerEntry([row('amd64', '1.0', 'FTBR'), row('arm64', '1.0', 'FTBFS'), row('i386', '1.0', 'reproducible')]).status, 'FTBFS');
    assert.equal(trackerEntry([row('amd64', '1.0', 'depwait'), row('arm64', '1.0', 'reproducible')]).status, 'reproducible');
    // The original's quirk, kept: two architectures that both timed out read depwait; one alone keeps its word.
    assert.equal(trackerEntry([row('amd64', '1.0', 'timeout'), row('arm64', '1.0', 'timeout')]).status, 'depwait');
    assert.equal(trackerEntry([row('amd64', '1.0', 'timeout')]).status, 'timeout');
  });

  it('keeps the newest version only (dpkg order, epochs included), dropping the older versions’ architectures', () => {
    const entry = trackerEntry([row('amd64', '1.0-1', 'FTBFS'), row('arm64', '1:0.9-1', 'reproducible'), row('i386', '1.0-1', 'FTBR')]);
    assert.equal(entry.version, '1:0.9-1');
    assert.equal(entry.status, 'reproducible');
    assert.deepEqual(
      entry.architecture_details.map((d) => d.architecture),
      ['arm64'],
    );
    const later = trackerEntry([row('amd64', '2.0-1', 'FTBR'), row('arm64', '1.0-1', 'FTBFS')]);
    assert.deepEqual([later.version, later.status, later.architecture_details.length], ['2.0-1', 'FTBR', 1]);
  });
});

describe('the published status words', () => {
  it("are the original's: unreproducible is FTBR, and what the original leaves out has none", () => {
    assert.equal(PUBLISHED_STATUS.unreproducible, 'FTBR');
    assert.deepEqual(
      VERDICTS.filter((v) => !PUBLISHED_VERDICTS.includes(v)),
      ['E404', 'checksum-mismatch', 'not-for-us', 'blacklisted'],
    );
    for (const verdict of PUBLISHED_VERDICTS) {
      assert.ok(['reproducible', 'FTBR', 'FTBFS', 'depwait', 'timeout'].includes(PUBLISHED_STATUS[verdict]!), `${verdict} has an original word`);
    }
  });
});
