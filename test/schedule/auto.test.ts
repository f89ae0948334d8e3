/**
 * schedule --auto's policy against a store seeded through its own record path, with an
 * injected clock, on both databases: exact counts per category for given limits, the
 * build order, the queue caps, and the release of failed entries.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigSchema } from '../../src/config/config.js';
import { resolveSettings } from '../../src/config/settings.js';
import { type AutoReport, scheduleAuto } from '../../src/schedule/auto.js';
import { Blacklist } from '../../src/schedule/blacklist.js';
import { FAILED, SCHEDULED, nodePlace } from '../../src/spool/layout.js';
import { openSpool } from '../../src/spool/spool.js';
import { pick } from '../../src/spool/transitions/pick.js';
import { importSources } from '../../src/store/catalogue.js';
import type { StoreRecord, Verdict } from '../../src/store/records.js';
import { type Store, openStore } from '../../src/store/store.js';
import { type Postgres, startPostgres } from '../helpers/postgres.js';
import { census, id, sandbox, tempDir, writeEntry } from '../helpers/spool.js';

const SETTINGS = { lockStaleMs: 10_000, lockUpdateMs: 2_000, waitMs: 60_000, pollMs: 5 };
const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const HOUR = 3600_000;
const DAY = 24 * HOUR;

let server: Postgres;
before(async () => (server = await startPostgres()));
after(async () => server.stop());

const backends: { name: string; open: () => Promise<Store> }[] = [
  { name: 'the embedded file', open: () => openStore(path.join(tempDir('auto'), 'reproducible.db'), SETTINGS) },
  { name: 'PostgreSQL', open: async () => openStore(await server.newDatabase(), SETTINGS) },
];

function schedulerSettings(scheduler: Record<string, unknown>) {
  return resolveSettings(ConfigSchema.parse({ scheduler })).scheduler;
}

interface Seeded {
  readonly name: string;
  readonly version?: string;
  /** Its latest verdict, given this long before NOW; none: never tested. */
  readonly verdict?: Verdict;
  readonly testedVersion?: string;
  readonly ageMs?: number;
}

/** The catalogue of bookworm/amd64 (imported as from a Sources index) and each package's verdict, recorded as checks record them. */
async function seed(store: Store, packages: readonly Seeded[]): Promise<void> {
  await importSources(
    store,
    packages.map((p) => ({
      name: p.name,
      version: p.version ?? '1.0',
      directory: `pool/main/${p.name[0]}/${p.name}`,
      architectures: ['any'],
      dscName: `${p.name}_${p.version ?? '1.0'}.dsc`,
      dscSha256: 'a'.repeat(64),
    })),
    'bookworm',
    'amd64',
    new Date(NOW - DAY),
  );
  const records: StoreRecord[] = packages.flatMap((p) =>
    p.verdict === undefined
      ? []
      : [
          {
            kind: 'result' as const,
            source: { name: p.name, version: p.testedVersion ?? p.version ?? '1.0', suite: 'bookworm', architecture: 'amd64' },
            verdict: p.verdict,
            buildDate: new Date(NOW - (p.ageMs ?? 0)).toISOString(),
            builds: [],
          },
        ],
  );
  if (records.length > 0) await store.record(records);
}

const many = (prefix: string, n: number, rest: Omit<Seeded, 'name'>): Seeded[] => Array.from({ length: n }, (_, i) => ({ name: `${prefix}${i}`, ...rest }));

function counts(report: AutoReport): Record<string, number> {
  const byCategory: Record<string, number> = {};
  for (const s of report.scheduled) byCategory[s.category] = (byCategory[s.category] ?? 0) + 1;
  return byCategory;
}

for (const backend of backends) {
  describe(`schedule --auto (${backend.name})`, () => {
    it('takes exactly what each category allows, in build order: new, untested, depwait, E404, FTBFS, old', async () => {
      const store = await backend.open();
      await seed(store, [
        ...many('untested', 10, {}),
        ...many('newer', 5, { version: '2.0', testedVersion: '1.0', verdict: 'reproducible', ageMs: DAY }),
        ...many('ftbfs-old', 4, { verdict: 'FTBFS', ageMs: 4 * DAY }),
        ...many('ftbfs-young', 2, { verdict: 'FTBFS', ageMs: DAY }),
        ...many('depwait-old', 3, { verdict: 'depwait', ageMs: 3 * DAY }),
        ...many('depwait-young', 1, { verdict: 'depwait', ageMs: DAY }),
        ...many('e-old', 3, { verdict: 'E404', ageMs: 13 * HOUR }),
        ...many('e-young', 1, { verdict: 'E404', ageMs: HOUR }),
        ...many('repro-old', 6, { verdict: 'reproducible', ageMs: 10 * DAY }),
        ...many('repro-young', 5, { verdict: 'reproducible', ageMs: 2 * DAY }),
        { name: 'listed', version: '2.0', testedVersion: '1.0', verdict: 'FTBFS', ageMs: 30 * DAY },
        { name: 'queued' },
      ]);
      const s = sandbox('auto-counts');
      const spool = openSpool(s.root, {}, { now: () => NOW });
      writeEntry(s.layout, SCHEDULED, id('queued', '0.9'));
      const blacklist = new Blacklist('blacklist', [{ pkg: 'listed', only: [], reason: 'takes the nodes down' }]);
      const settings = schedulerSettings({ limits: { untested: 4, new: 3, FTBFS: 2, depwait: 10, E404: 1, old: 2 } });
      const request = { suites: ['bookworm'], arches: ['amd64'], seed: 7, dryRun: true };
      const dry = await scheduleAuto({ spool, store, blacklist, settings }, request);
      assert.deepEqual(counts(dry), { untested: 4, new: 3, FTBFS: 2, depwait: 3, E404: 1, old: 2 });
      assert.deepEqual(
        [...new Set(dry.scheduled.map((x) => x.category))],
        ['new', 'untested', 'depwait', 'E404', 'FTBFS', 'old'],
        'the order the jobs will build them',
      );
      assert.ok(dry.scheduled.filter((x) => x.category === 'FTBFS').every((x) => x.name.startsWith('ftbfs-old')));
      assert.ok(dry.scheduled.filter((x) => x.category === 'old').every((x) => x.name.startsWith('repro-old')));
      assert.equal(dry.scheduled.find((x) => x.category === 'new')?.previous?.version, '1.0');
      assert.deepEqual(
        dry.blacklisted.map((b) => b.name),
        ['listed'],
      );
      assert.ok(!dry.scheduled.some((x) => x.name === 'queued'), 'already scheduled (another version): never twice');
      assert.deepEqual(dry.queues, [{ architecture: 'amd64', queueMax: 2000, before: 1, after: 16, overfull: false }]);
      assert.equal(census(s.layout).entries.size, 1, 'a dry run changes nothing');

      const done = await scheduleAuto({ spool, store, blacklist, settings }, { ...request, dryRun: false });
      assert.deepEqual(done.scheduled, dry.scheduled, 'the same seed, the same snapshot: the same choice');
      assert.equal(census(s.layout).entries.size, 16);
      const history = await store.read((db) =>
        db.all<{ category: string; n: number }>(
          `SELECT category, CAST(count(*) AS INTEGER) AS n FROM schedule_history WHERE requester = 'scheduler' GROUP BY category ORDER BY category`,
        ),
      );
      assert.deepEqual(
        history.map((h) => [h.category, Number(h.n)]),
        [
          ['E404', 1],
          ['FTBFS', 2],
          ['depwait', 3],
          ['new', 3],
          ['old', 2],
          ['untested', 4],
        ],
      );
      const blacklisted = await store.read((db) => db.all<{ verdict: string }>(`SELECT verdict FROM results WHERE name = 'listed'`));
      assert.deepEqual(blacklisted, [{ verdict: 'blacklisted' }]);

      // pick follows the build order: the new versions come first.
      const first = await pick(spool, { node: 'node1' });
      assert.ok(first, 'something to pick');
      assert.ok(first.entry.id.pkg.startsWith('newer'), `picked ${first.entry.id.pkg}`);
      await first.lock.release();

      const again = await scheduleAuto({ spool, store, blacklist, settings }, { ...request, seed: 8, dryRun: false });
      const before = new Set(done.scheduled.map((x) => x.name));
      assert.ok(!again.scheduled.some((x) => before.has(x.name)), 'a second run adds nothing twice');
      assert.deepEqual(counts(again), { untested: 4, new: 2, FTBFS: 2, E404: 1, old: 2 }, 'what the first run left: the rest of each category');
      await store.close();
    });

    it('keeps the queue cap: untested and old only up to queueMax, new versions up to 3×, nothing at all above that', async () => {
      const store = await backend.open();
      await seed(store, [...many('untested', 20, {}), ...many('newer', 40, { version: '2.0', testedVersion: '1.0', verdict: 'reproducible', ageMs: DAY })]);
      const s = sandbox('auto-cap');
      const spool = openSpool(s.root, {}, { now: () => NOW });
      const settings = schedulerSettings({ queueMax: { amd64: 10 } });
      const blacklist = new Blacklist('blacklist', []);
      const request = { suites: ['bookworm'], arches: ['amd64'], seed: 1, dryRun: false };
      for (let i = 0; i < 8; i++) writeEntry(s.layout, SCHEDULED, id(`waiting${i}`, '1.0', 'trixie'));
      const first = await scheduleAuto({ spool, store, blacklist, settings }, request);
      assert.deepEqual(counts(first), { untested: 2, new: 20 }, 'untested up to queueMax (10), then new versions up to 3× (30)');
      assert.deepEqual(first.queues[0], { architecture: 'amd64', queueMax: 10, before: 8, after: 30, overfull: false });
      const overfull = await scheduleAuto({ spool, store, blacklist, settings }, request);
      assert.deepEqual(overfull.scheduled, []);
      assert.equal(overfull.queues[0]?.overfull, true);

      // Above queueMax but below 3×: new versions only.
      const s2 = sandbox('auto-cap-2');
      const spool2 = openSpool(s2.root, {}, { now: () => NOW });
      for (let i = 0; i < 12; i++) writeEntry(s2.layout, SCHEDULED, id(`waiting${i}`, '1.0', 'trixie'));
      const above = await scheduleAuto({ spool: spool2, store, blacklist, settings: schedulerSettings({ queueMax: 10, limits: { new: 5 } }) }, request);
      assert.deepEqual(counts(above), { new: 5 });
      await store.close();
    });

    it('releases a failed/ entry once it is older than releaseFailedAfterHours, before anything new', async () => {
      const store = await backend.open();
      await seed(store, [{ name: 'gave-up' }, { name: 'fresh-failure' }, ...many('untested', 3, {})]);
      const s = sandbox('auto-release');
      const spool = openSpool(s.root, {}, { now: () => NOW });
      const failedAt = (ageMs: number) => new Date(NOW - ageMs).toISOString();
      writeEntry(s.layout, FAILED, id('gave-up', '1.0'), {
        Attempt: '4',
        'Last-Failure': 'node unreachable',
        Category: 'untested',
        Requeued: failedAt(73 * HOUR),
      });
      writeEntry(s.layout, FAILED, id('fresh-failure', '1.0'), { Attempt: '4', 'Last-Failure': 'node unreachable', Requeued: failedAt(71 * HOUR) });
      const settings = schedulerSettings({ limits: { untested: 0 } });
      const report = await scheduleAuto(
        { spool, store, blacklist: new Blacklist('b', []), settings },
        { suites: ['bookworm'], arches: ['amd64'], seed: 1, dryRun: false },
      );
      assert.deepEqual(
        report.scheduled.map((x) => [x.name, x.category, x.released]),
        [['gave-up', 'untested', true]],
      );
      assert.deepEqual(census(s.layout).entries.get('bookworm/amd64/gave-up_1.0'), ['scheduled']);
      assert.deepEqual(census(s.layout).entries.get('bookworm/amd64/fresh-failure_1.0'), ['failed'], 'too young: it stays');
      await store.close();
    });
  });
}

describe('schedule --auto on a node-less spool', () => {
  it('never schedules a package that is shipped, building or failed', async () => {
    const store = await backends[0]!.open();
    await seed(store, [{ name: 'shipped' }, { name: 'building' }, { name: 'failed' }, { name: 'free' }]);
    const s = sandbox('auto-inflight');
    writeEntry(s.layout, nodePlace('node1'), id('shipped', '1.0'), { Node: 'node1' });
    writeEntry(s.layout, { state: 'pending' }, id('building', '1.0'));
    writeEntry(s.layout, FAILED, id('failed', '1.0'));
    const spool = openSpool(s.root, {}, { now: () => NOW });
    const report = await scheduleAuto(
      { spool, store, blacklist: new Blacklist('b', []), settings: schedulerSettings({}) },
      { suites: ['bookworm'], arches: ['amd64'], seed: 1, dryRun: true },
    );
    assert.deepEqual(
      report.scheduled.map((x) => x.name),
      ['free'],
    );
    await store.close();
  });
});
