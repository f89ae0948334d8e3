import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { causeIds, describeDifferingFile, readJsonReport } from '../../src/builder/diffoscope-report.js';
import { formatVerdict, parseVerdict } from '../../src/archive/format.js';
import { parseStanza } from '../../src/debian/deb822.js';

const checkedAt = new Date('2026-12-04T03:00:00Z');
const diff = (minus: string, plus: string) => `@@ -1 +1 @@\n-${minus}\n+${plus}\n`;
const report = {
  diffoscope_json_version: 1,
  source1: '/a/build1/pathy_1.0_amd64.changes',
  source2: '/a/build2/pathy_1.0_amd64.changes',
  unified_diff: null,
  details: [
    { source1: 'Files', source2: 'Files', unified_diff: diff('x', 'y') },
    {
      source1: 'pathy_1.0_all.deb',
      source2: 'pathy_1.0_all.deb',
      details: [
        {
          source1: 'data.tar.xz',
          details: [
            {
              source1: './usr/bin/pathy',
              details: [
                { source1: 'strings --all {}', unified_diff: diff('/build/1st/pathy-1.0', '/build/2/pathy-1.0/2nd') },
                {
                  source1: 'readelf --debug-dump=info {}',
                  unified_diff: diff('DW_AT_comp_dir: /build/1st/pathy-1.0', 'DW_AT_comp_dir: /build/2/pathy-1.0/2nd'),
                },
              ],
            },
            { source1: './usr/share/pathy/year', unified_diff: diff('2026', '2028') },
            { source1: './usr/share/pathy/offset', unified_diff: diff('-1200', '+1400') },
            { source1: './usr/share/pathy/host', unified_diff: diff('node1', 'i-capture-the-hostname') },
            { source1: './usr/share/pathy/random', unified_diff: diff('4f', '9a') },
          ],
        },
      ],
    },
    // The .buildinfo always holds the date and the environment of its build: no tags there.
    { source1: 'pathy_1.0_amd64.buildinfo', details: [{ source1: 'Build-Date', unified_diff: diff('Thu, 03 Dec 2026 -1200', 'Thu, 06 Jan 2028 +1400') }] },
  ],
};

describe("diffoscope's JSON report", () => {
  it('gives each differing file, the paths inside it, and a cause tag per variation whose canary shows in build 2', () => {
    const files = readJsonReport(JSON.stringify(report), checkedAt)!;
    assert.deepEqual(
      files.map((f) => f.file),
      ['pathy_1.0_all.deb', 'pathy_1.0_amd64.buildinfo'],
    );
    const deb = files[0]!;
    assert.deepEqual(deb.members, [
      './usr/bin/pathy',
      './usr/share/pathy/year',
      './usr/share/pathy/offset',
      './usr/share/pathy/host',
      './usr/share/pathy/random',
    ]);
    assert.deepEqual(deb.causes, [
      'build-path (DW_AT_comp_dir)',
      'clock (./usr/share/pathy/year)',
      'timezone (./usr/share/pathy/offset)',
      'hostname (./usr/share/pathy/host)',
    ]);
    assert.equal(files[1]!.causes, undefined);
    assert.deepEqual(causeIds(files), ['build-path', 'clock', 'timezone', 'hostname']);
  });

  it('reads two packages compared directly, and refuses what is not a report', () => {
    const direct = readJsonReport(JSON.stringify({ source1: '/x/build1/a_1_all.deb', details: [{ source1: './f', unified_diff: diff('a', 'b') }] }), checkedAt);
    assert.deepEqual(direct, [{ file: 'a_1_all.deb', members: ['./f'] }]);
    assert.equal(readJsonReport('{"source1": 3}', checkedAt), undefined);
    assert.equal(readJsonReport('{"source1": "x", "deta', checkedAt), undefined, 'a report cut short');
  });

  it('keeps the tags through the verdict file, beside the paths', () => {
    const files = readJsonReport(JSON.stringify(report), checkedAt)!;
    const text = formatVerdict({
      source: 'pathy',
      version: '1.0',
      suite: 'bookworm',
      architecture: 'amd64',
      verdict: 'unreproducible',
      date: checkedAt.toISOString(),
      differingFiles: files,
    });
    assert.match(text, /pathy_1\.0_all\.deb: \.\/usr\/bin\/pathy .* \| build-path \(DW_AT_comp_dir\); clock/);
    assert.deepEqual(parseVerdict(parseStanza(text), 'verdict').differingFiles, files);
    assert.equal(describeDifferingFile({ file: 'a.deb', members: [] }), 'a.deb');
  });
});
