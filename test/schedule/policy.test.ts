import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowance, isOverfull, tierLimit } from '../../src/schedule/policy.js';
import { compareBuildOrder, dueMsOf } from '../../src/schedule/build-order.js';
import { seededOrder } from '../../src/schedule/seeded-order.js';

const TIERS = [{ queueAtMost: 1000, perRun: 500 }, { queueAtMost: 1500, perRun: 750 }, { perRun: 100 }];

describe('the scheduler policy', () => {
  it('picks the tier by the queue as it stands, bounds included', () => {
    assert.deepEqual(
      [0, 1000, 1001, 1500, 1501, 10_000].map((q) => tierLimit(TIERS, q)),
      [500, 500, 750, 750, 100, 100],
    );
  });

  it('fills untested, retries and old re-tests up to queueMax, new versions up to 3×, nothing past 3×', () => {
    assert.equal(allowance('untested', [{ perRun: 255 }], 1900, 2000), 100);
    assert.equal(allowance('old', [{ perRun: 255 }], 2000, 2000), 0);
    assert.equal(allowance('new', [{ perRun: 255 }], 2500, 2000), 255);
    assert.equal(allowance('new', [{ perRun: 255 }], 5900, 2000), 100);
    assert.equal(allowance('new', [{ perRun: 255 }], 6500, 2000), 0);
    assert.equal(isOverfull(5999, 2000), false);
    assert.equal(isOverfull(6000, 2000), true);
  });
});

describe('the build order', () => {
  const at = (iso: string) => Date.parse(iso);
  const key = (category: Parameters<typeof dueMsOf>[1], scheduled: string, priority = 0) => ({ priority, category, dueMs: dueMsOf(scheduled, category) });

  it('moves each category by its offset: a new upload now goes before an untested package of 11 hours ago, not of 13', () => {
    const now = '2026-12-01T12:00:00.000Z';
    assert.equal(dueMsOf(now, 'new'), at('2026-11-30T12:00:00.000Z'));
    assert.equal(dueMsOf(now, 'old'), at('2026-12-02T00:00:00.000Z'));
    assert.ok(compareBuildOrder(key('new', now), key('untested', '2026-12-01T01:00:00.000Z')) < 0);
    assert.ok(compareBuildOrder(key('new', now), key('untested', '2026-11-30T23:00:00.000Z')) > 0);
  });

  it('takes Priority first, then manual requests, and puts an entry whose Scheduled does not parse last', () => {
    const now = '2026-12-01T12:00:00.000Z';
    assert.ok(compareBuildOrder(key('old', now, 5), key('manual', now)) < 0);
    assert.ok(compareBuildOrder(key('manual', now), key('new', '2020-01-01T00:00:00.000Z')) < 0);
    assert.ok(compareBuildOrder(key(undefined, 'yesterday'), key('old', now)) > 0);
    assert.equal(compareBuildOrder(key('E404', now), key(undefined, now)), 0, 'no category: due at its Scheduled time, as E404');
  });
});

describe('the seeded order', () => {
  it('replays from its seed, differs between seeds, and does not depend on the rest of the list', () => {
    const names = Array.from({ length: 200 }, (_, i) => `pkg${i}`);
    const a = seededOrder(names, (n) => n, 1);
    assert.deepEqual(
      seededOrder([...names].reverse(), (n) => n, 1),
      a,
    );
    assert.notDeepEqual(
      seededOrder(names, (n) => n, 2),
      a,
    );
    assert.deepEqual(
      seededOrder(
        a.filter((_, i) => i % 2 === 0),
        (n) => n,
        1,
      ),
      a.filter((_, i) => i % 2 === 0),
    );
    assert.notDeepEqual(a.slice(0, 20), [...names].sort().slice(0, 20), 'not alphabetical');
  });
});
