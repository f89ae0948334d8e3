import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { compareVersions, versionWithoutEpoch } from '../../src/debian/version.js';
import { isVersion } from '../../src/spool/names.js';

/** A deterministic generator (mulberry32), so a failure names a reproducible pair. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(next: () => number): string {
  const pickOne = (s: string) => s[Math.floor(next() * s.length)]!;
  const part = (chars: string, max: number) => Array.from({ length: 1 + Math.floor(next() * max) }, () => pickOne(chars)).join('');
  const epoch = next() < 0.2 ? `${Math.floor(next() * 3)}:` : '';
  const revision = next() < 0.7 ? `-${part('0123456789.+~abz', 4)}` : '';
  // Upstream may hold '-' only when a revision follows, and ':' only after an epoch.
  const upstream = pickOne('0123456789') + part(`0123456789..~+aZz0${revision ? '-' : ''}${epoch ? ':' : ''}`, 6);
  return `${epoch}${upstream}${revision}`;
}

/** dpkg's own verdict for every pair, from one shell (a dpkg process per comparison). */
function dpkgVerdicts(pairs: Array<[string, string]>): number[] {
  const script =
    'while read -r a b; do if dpkg --compare-versions "$a" lt "$b"; then echo -1; elif dpkg --compare-versions "$a" eq "$b"; then echo 0; else echo 1; fi; done';
  const result = spawnSync('sh', ['-c', script], { input: pairs.map(([a, b]) => `${a} ${b}`).join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 24 });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim().split('\n').map(Number);
}

describe('Debian version comparison', () => {
  it('orders the classic cases as policy says', () => {
    const ascending = ['1.0~rc1', '1.0', '1.0-0.1', '1.0-1', '1.0-1+b1', '1.0a', '1.0+dfsg', '1.00.1', '1.1', '1.10', '2', '1:0.1'];
    for (let i = 1; i < ascending.length; i++) assert.ok(compareVersions(ascending[i - 1]!, ascending[i]!) < 0, `${ascending[i - 1]} < ${ascending[i]}`);
    assert.equal(compareVersions('1.0', '1.0-0'), 0);
    assert.equal(compareVersions('0:1.0', '1.0'), 0);
    assert.equal(compareVersions('1.001', '1.1'), 0);
    assert.equal(versionWithoutEpoch('1:2.10-3'), '2.10-3');
  });

  it('agrees with dpkg --compare-versions on 5,000 generated pairs', () => {
    const next = random(20261125);
    const pairs: Array<[string, string]> = [];
    while (pairs.length < 5000) {
      const a = generate(next);
      const b = next() < 0.1 ? a : generate(next);
      if (isVersion(a) && isVersion(b)) pairs.push([a, b]);
    }
    const verdicts = dpkgVerdicts(pairs);
    const disagreements = pairs.filter(([a, b], i) => Math.sign(compareVersions(a, b)) !== verdicts[i]);
    assert.deepEqual(disagreements.slice(0, 10), [], `${disagreements.length} disagreements with dpkg`);
    assert.equal(verdicts.length, 5000);
  });
});
