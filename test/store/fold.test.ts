import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FileStore } from '../../src/store/file-store.js';
import { foldHistory } from '../../src/store/fold.js';
import { latestVerdictCounts } from '../../src/store/overview.js';
import { verdictDays } from '../../src/store/verdict-days.js';
import type { StoreRecord } from '../../src/store/records.js';
import { cli, fromJson, sandbox, tempDir } from '../helpers/spool.js';

const SETTINGS = { lockStaleMs: 10_000, lockUpdateMs: 2_000, waitMs: 60_000, pollMs: 5 };

function check(name: string, verdict: 'reproducible' | 'unreproducible' | 'FTBFS', at: string, suite = 'bookworm'): StoreRecord {
  return {
    kind: 'result',
    source: { name, version: '1.0', suite, architecture: 'amd64' },
    verdict,
    buildDate: at,
    builds: [{ buildNumber: 1, node: 'node1', startedAt: at, durationSeconds: 10, exitCode: 0, status: 'built' }],
  };
}

/** Checks over five days of 2025 and one recent day, in two suites. */
const CHECKS: StoreRecord[] = [
  check('pa', 'reproducible', '2025-01-01T10:00:00.000Z'),
  check('pb', 'unreproducible', '2025-01-01T11:00:00.000Z'),
  check('pa', 'FTBFS', '2025-01-02T10:00:00.000Z'),
  check('pa', 'reproducible', '2025-01-02T12:00:00.000Z'),
  check('pc', 'reproducible', '2025-01-05T10:00:00.000Z'),
  check('pb', 'reproducible', '2025-01-05T11:00:00.000Z'),
  check('pa', 'unreproducible', '2025-01-01T09:00:00.000Z', 'trixie'),
  check('pb', 'FTBFS', '2026-11-29T10:00:00.000Z'),
];

const rowsOf = (store: FileStore, table: string) => store.read(async (db) => Number((await db.all<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n));
const chart = (store: FileStore) => store.read(async (db) => ({ days: await verdictDays(db), current: await latestVerdictCounts(db) }));

describe('folding old history', () => {
  it("keeps the history chart and today's counts exactly, with only each package's latest old check left", async () => {
    const store = new FileStore(path.join(tempDir('fold'), 'reproducible.db'), SETTINGS);
    await store.record(CHECKS);
    const before = await chart(store);
    const folded = await store.write((db) => foldHistory(db, '2026-01-01'));
    assert.deepEqual(folded, { checks: 3, days: 2, before: '2026-01-01' }, "a's first two checks of bookworm and b's first");
    assert.deepEqual([await rowsOf(store, 'result_history'), await rowsOf(store, 'builds')], [5, 5], 'a, b and c of bookworm, a of trixie, b of 2026');
    const after = await chart(store);
    assert.deepEqual(after.days, before.days, 'every daily snapshot as before');
    assert.deepEqual(after.current, before.current, "today's counts");
    assert.deepEqual(
      before.days.get('bookworm/amd64')?.map((d) => d.day),
      ['2025-01-01', '2025-01-02', '2025-01-05', '2026-11-29'],
    );

    const again = await store.write((db) => foldHistory(db, '2026-01-01'));
    assert.equal(again.checks, 0, 'folding again changes nothing');
    await store.record([check('pc', 'FTBFS', '2026-11-30T10:00:00.000Z')]);
    const later = await store.write((db) => foldHistory(db, '2026-11-30'));
    assert.equal(later.checks, 1, "b's check of 2025, now superseded by a folded one of 2026");
    const laterChart = await chart(store);
    assert.deepEqual(laterChart.days.get('bookworm/amd64')?.slice(0, 4), before.days.get('bookworm/amd64'), 'the days folded before are kept as they were');
  });

  it('killed at any point of its commit, leaves the database as it was or folded whole, and a second run finishes it', async () => {
    // The cut-off of the first test: 2026-01-01, whatever today is.
    const days = String(Math.floor((Date.now() - Date.parse('2026-01-01T00:00:00Z')) / 86400_000));
    for (const fault of ['store:before-save', 'store:before-commit', 'store:after-save']) {
      const s = sandbox('fold-killed');
      const store = new FileStore(path.join(s.root, 'reproducible.db'), SETTINGS);
      await store.record(CHECKS);
      const before = await chart(store);
      // A killed writer's lock is taken over once stale: 2 s here.
      const config = path.join(s.dir, 'config.json');
      fs.writeFileSync(config, JSON.stringify({ thresholds: { lockStaleSeconds: 2, lockUpdateSeconds: 1 } }));
      const killed = cli(s.root, ['--config', config, 'db', 'fold', '--older-than-days', days], { REPRO_SPOOL_FAULT: fault });
      assert.equal(killed.signal, 'SIGKILL', fault);
      const left = await rowsOf(store, 'result_history');
      assert.ok(left === 8 || left === 5, `${fault}: all 8 checks or the 5 a fold keeps, not ${left}`);
      assert.deepEqual(await chart(store), before, `${fault}: the chart and today's counts as they were`);
      const again = cli(s.root, ['--config', config, '--json', 'db', 'fold', '--older-than-days', days]);
      assert.equal(again.status, 0, again.stderr);
      assert.equal(fromJson<{ checks: number }>(again.stdout).checks, left - 5, `${fault}: the second run folds what the first did not`);
      assert.equal(await rowsOf(store, 'result_history'), 5);
      assert.deepEqual(await chart(store), before, fault);
    }
  });

  it('runs from the CLI with the configured age, and says what it folded', () => {
    const s = sandbox('fold-cli');
    const folded = cli(s.root, ['--json', 'db', 'fold', '--older-than-days', '30']);
    assert.equal(folded.status, 0, folded.stderr);
    assert.equal(fromJson(folded.stdout).checks, 0);
    const bad = cli(s.root, ['db', 'fold', '--older-than-days', '0']);
    assert.equal(bad.status, 2);
  });
});
