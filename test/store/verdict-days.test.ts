/**
 * The chart's daily snapshots as kept by each record (verdict_changes), against a plain
 * replay of every check in order, on both databases: checks arriving in any order,
 * records applied twice, a fold, and the migration's fill from history alone.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StoreRecord } from '../../src/store/records.js';
import { type Store, openStore } from '../../src/store/store.js';
import { foldHistory } from '../../src/store/fold.js';
import { CHANGES_FROM_HISTORY, type DaySnapshot, verdictDays } from '../../src/store/verdict-days.js';
import { type Postgres, startPostgres } from '../helpers/postgres.js';
import { tempDir } from '../helpers/spool.js';

const SETTINGS = { lockStaleMs: 10_000, lockUpdateMs: 2_000, waitMs: 60_000, pollMs: 5 };
const VERDICTS = ['reproducible', 'unreproducible', 'FTBFS'] as const;

interface Check {
  readonly key: string;
  readonly name: string;
  readonly suite: string;
  readonly verdict: (typeof VERDICTS)[number];
  readonly buildDate: string;
}

/** A seeded pseudo-random sequence, so that a failure replays. */
function random(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function checks(seed: number, count: number): Check[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  return Array.from({ length: count }, (_, i) => ({
    key: `check-${seed}-${i}`,
    name: pick(['pa', 'pb', 'pc', 'pd', 'pe']),
    suite: pick(['bookworm', 'trixie']),
    verdict: pick(VERDICTS),
    // Six days, and now and then two checks of a package in the same second (the journal id decides).
    buildDate: `2026-11-0${1 + Math.floor(next() * 6)}T${String(Math.floor(next() * 3)).padStart(2, '0')}:00:00.000Z`,
  }));
}

const recordOf = (c: Check): StoreRecord => ({
  kind: 'result',
  key: c.key,
  source: { name: c.name, version: '1.0', suite: c.suite, architecture: 'amd64' },
  verdict: c.verdict,
  buildDate: c.buildDate,
  builds: [],
});

/** Every check replayed in (build date, key) order: each package's latest verdict at the end of each day. */
function replay(all: readonly Check[]): Map<string, DaySnapshot[]> {
  const latest = new Map<string, Map<string, string>>();
  const days = new Map<string, DaySnapshot[]>();
  const sorted = [...all].sort((x, y) => (x.buildDate === y.buildDate ? (x.key < y.key ? -1 : 1) : x.buildDate < y.buildDate ? -1 : 1));
  for (const c of sorted) {
    const key = `${c.suite}/amd64`;
    const packages = latest.get(key) ?? new Map<string, string>();
    latest.set(key, packages.set(c.name, c.verdict));
    const byVerdict: Record<string, number> = {};
    for (const v of packages.values()) byVerdict[v] = (byVerdict[v] ?? 0) + 1;
    const series = days.get(key) ?? [];
    const day = c.buildDate.slice(0, 10);
    if (series.at(-1)?.day === day) series.pop();
    days.set(key, [...series, { day, byVerdict }]);
  }
  return new Map([...days].sort(([x], [y]) => x.localeCompare(y)));
}

/** Sorted keys, so that two snapshots compare equal whatever order their verdicts were counted in. */
const canonical = (days: Map<string, DaySnapshot[]>) => [...days].map(([key, series]) => [key, series.map((d) => [d.day, Object.entries(d.byVerdict).sort()])]);

let server: Postgres;
before(async () => {
  server = await startPostgres();
});
after(async () => server.stop());

const backends: { name: string; open: () => Promise<Store> }[] = [
  { name: 'the embedded file', open: () => openStore(path.join(tempDir('verdict-days'), 'reproducible.db'), SETTINGS) },
  { name: 'PostgreSQL', open: async () => openStore(await server.newDatabase(), SETTINGS) },
];

describe('the daily verdict snapshots with concurrent writers (PostgreSQL)', () => {
  it('equal a replay when several connections record checks of the same packages at once', async () => {
    const url = await server.newDatabase();
    const writers = await Promise.all(Array.from({ length: 4 }, () => openStore(url, SETTINGS)));
    const all = checks(5, 160).map((c) => ({ ...c, suite: 'bookworm', name: c.name < 'pc' ? c.name : 'pa' })); // two packages, many checks each
    await Promise.all(
      writers.map((store, w) =>
        (async () => {
          for (const c of all.filter((_, i) => i % writers.length === w)) await store.record([recordOf(c)]);
        })(),
      ),
    );
    assert.deepEqual(canonical(await writers[0]!.read(verdictDays)), canonical(replay(all)));
    await Promise.all(writers.map((store) => store.close()));
  });
});

for (const backend of backends) {
  describe(`the daily verdict snapshots (${backend.name})`, () => {
    it('equal a replay of every check, whatever order the checks arrive in and however often a record is applied', async () => {
      for (const seed of [1, 2, 3]) {
        const store = await backend.open();
        const all = checks(seed, 120);
        const shuffled = [...all].sort(() => random(seed + 7)() - 0.5);
        const next = random(seed + 11);
        for (let i = 0; i < shuffled.length; i += 10) await store.record(shuffled.slice(i, i + 10).map(recordOf));
        await store.record(shuffled.filter(() => next() < 0.2).map(recordOf)); // journal replays after a crash
        assert.deepEqual(canonical(await store.read(verdictDays)), canonical(replay(all)), `seed ${seed}`);

        // The migration's fill, from result_history alone, comes to the same.
        await store.write(async (db) => {
          await db.run('DELETE FROM verdict_changes');
          await db.run(`INSERT INTO verdict_changes (day, suite, architecture, verdict, change) ${CHANGES_FROM_HISTORY}`);
        });
        assert.deepEqual(canonical(await store.read(verdictDays)), canonical(replay(all)), `seed ${seed}, filled from history`);

        // Folding history away leaves the chart as it was.
        await store.write((db) => foldHistory(db, '2026-11-05'));
        assert.deepEqual(canonical(await store.read(verdictDays)), canonical(replay(all)), `seed ${seed}, after a fold`);
        await store.close();
      }
    });
  });
}
