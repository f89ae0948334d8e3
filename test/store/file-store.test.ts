import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadDatabase, saveDatabase } from '../../src/store/database.js';
import { SCHEMA_VERSION } from '../../src/store/schema.js';
import { FileStore } from '../../src/store/file-store.js';
import type { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/spool.js';
import { until } from '../helpers/until.js';
import { sleep } from '../../src/retry.js';
import { runStoreWriter } from '../helpers/store-writer-process.js';
import { hostileResults, twoBuildResult } from '../helpers/records.js';
import { SpoolError } from '../../src/errors.js';

const SETTINGS = { lockStaleMs: 10_000, lockUpdateMs: 2_000, waitMs: 60_000, pollMs: 5 };

const writer = runStoreWriter;

const count = (store: Store, table: string) => store.read(async (db) => Number((await db.all<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n));

describe('reproducible.db', () => {
  it('records a result with one row per single build, readable by the sqlite3 library too', async () => {
    const file = path.join(tempDir('db'), 'reproducible.db');
    const store = new FileStore(file, SETTINGS);
    const at = '2026-11-25T00:00:00.000Z';
    await store.record([twoBuildResult('hello', '1:2.10-3', at, [61.5, 70])]);
    const rows = await store.read((db) =>
      db.all<{ node: string; duration_seconds: number }>('SELECT node, duration_seconds FROM builds ORDER BY build_number'),
    );
    assert.deepEqual(rows, [
      { node: 'node1', duration_seconds: 61.5 },
      { node: 'node2', duration_seconds: 70 },
    ]);
    const python = spawnSync(
      '/usr/bin/python3',
      ['-c', 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute("select verdict, node1, node2 from results").fetchall())', file],
      { encoding: 'utf8' },
    );
    assert.equal(python.stdout.trim(), "[('reproducible', 'node1', 'node2')]");
    assert.deepEqual(fs.readdirSync(store.journalDir), [], 'journal emptied');
  });

  it('keeps every write of 4 concurrent writer processes, and the file is loadable throughout', async () => {
    const file = path.join(tempDir('db-race'), 'reproducible.db');
    const store = new FileStore(file, SETTINGS);
    let reading = true;
    let loads = 0;
    const reader = (async () => {
      while (reading) {
        if (fs.existsSync(file)) {
          await store.read((db) => db.all('SELECT count(*) FROM results'));
          loads++;
        }
        await sleep(5);
      }
    })();
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((p) => writer(file, p, 25)));
    reading = false;
    await reader;
    for (const r of results) assert.equal(r.status, 0, r.stderr);
    assert.equal(await count(store, 'results'), 100);
    assert.equal(await count(store, 'builds'), 200);
    assert.ok(loads > 0, 'the reader loaded the file while writers ran');
  });

  for (const fault of ['store:after-journal', 'store:before-save', 'store:before-commit', 'store:after-save']) {
    it(`loses nothing and duplicates nothing when a writer is SIGKILLed at ${fault}`, async () => {
      const file = path.join(tempDir('db-crash'), 'reproducible.db');
      const crashed = await writer(file, 'crashed', 1, { REPRO_SPOOL_FAULT: fault });
      assert.equal(crashed.signal, 'SIGKILL');
      const next = await writer(file, 'next', 1);
      assert.equal(next.status, 0, next.stderr);
      const store = new FileStore(file, SETTINGS);
      const names = await store.read(async (db) => (await db.all<{ name: string }>('SELECT name FROM results ORDER BY name')).map((r) => r.name));
      assert.deepEqual(names, ['crashed-0', 'next-0']);
      assert.equal(await count(store, 'builds'), 4);
      assert.deepEqual(
        fs.readdirSync(path.dirname(file)).sort(),
        ['reproducible.db', 'reproducible.db.generations', 'reproducible.db.journal'],
        'no temp left beside the database',
      );
      assert.ok(
        fs.readdirSync(`${file}.generations`).every((n) => /^g-[0-9]{12}$/.test(n)),
        'no temp left among the generations',
      );
      assert.deepEqual(fs.readdirSync(store.journalDir), []);
      const seen = spawnSync(
        '/usr/bin/python3',
        ['-c', 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from results").fetchone()[0])', file],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(seen.stdout.trim(), '2', `reproducible.db, for people, shows the newest generation ${seen.stderr}`);
    });
  }

  for (const mode of ['record', 'write'] as const) {
    it(`never lets a writer frozen at the last instruction before its commit, past the stale time, undo another's commit (${mode})`, async () => {
      const file = path.join(tempDir('db-stall'), 'reproducible.db');
      const env = { STORE_LOCK_STALE_MS: '2000', STORE_MODE: mode };
      const table = mode === 'write' ? 'sources' : 'results';
      const stalled = writer(file, 'stalled', 1, { ...env, REPRO_SPOOL_STALL: 'store:before-commit:5000' });
      await until(
        () => fs.existsSync(`${file}.generations`) && fs.readdirSync(`${file}.generations`).some((n) => n.endsWith('.generation')),
        'the stalled writer reached its commit, its generation written in full',
      );
      await sleep(2500); // its lock is stale now
      const other = await writer(file, 'other', 3, env);
      assert.equal(other.status, 0, other.stderr);
      const done = await stalled;
      assert.equal(done.status, 0, done.stderr);
      const store = new FileStore(file, SETTINGS);
      const names = await store.read(async (db) => (await db.all<{ name: string }>(`SELECT name FROM ${table} ORDER BY name`)).map((r) => r.name));
      assert.deepEqual(names, ['other-0', 'other-1', 'other-2', 'stalled-0'], 'the records the other writer acknowledged survive the stalled one');
      assert.deepEqual(fs.existsSync(store.journalDir) ? fs.readdirSync(store.journalDir) : [], []);
      assert.deepEqual(
        fs
          .readdirSync(path.dirname(file))
          .filter((n) => !n.startsWith('reproducible.db.journal'))
          .sort(),
        ['reproducible.db', 'reproducible.db.generations'],
        'no temp, lock or owner left',
      );
    });
  }

  it('quarantines an unreadable journal record, merges the rest, and tells only its writer', async () => {
    const file = path.join(tempDir('db-corrupt-journal'), 'reproducible.db');
    const store = new FileStore(file, SETTINGS);
    fs.mkdirSync(store.journalDir, { recursive: true });
    fs.writeFileSync(path.join(store.journalDir, 'j-000000000000001-1-deadbeef.json'), '{"kind":"result","sour');
    fs.writeFileSync(path.join(store.journalDir, 'j-000000000000002-1-deadbeef.json'), '{"kind":"result"}');
    const next = await writer(file, 'next', 2);
    assert.equal(next.status, 0, next.stderr);
    assert.equal(await count(store, 'results'), 2);
    assert.deepEqual(
      store.quarantined().map((q) => [path.basename(q.file), /not JSON|not a record: source/.test(q.reason)]),
      [
        ['j-000000000000001-1-deadbeef.json', true],
        ['j-000000000000002-1-deadbeef.json', true],
      ],
    );
    // a writer whose own record gets torn while it waits is told so, with exit 5
    const torn = writer(file, 'torn', 1, { REPRO_SPOOL_STALL: 'store:after-journal:1500' });
    let own = '';
    await until(() => (own = fs.readdirSync(store.journalDir).find((n) => n.endsWith('.json')) ?? '') !== '', 'the writer journalled its record');
    fs.writeFileSync(path.join(store.journalDir, own), '{');
    assert.equal((await writer(file, 'bystander', 1)).status, 0);
    const told = await torn;
    assert.equal(told.status, 5, told.stderr);
    assert.match(told.stderr, /journal record was unreadable and was quarantined/);
    assert.doesNotMatch(told.stderr, /\n\s+at /, 'no stack trace');
  });

  it('refuses every record it would later quarantine (exit 5, naming the field) before writing any journal file of its batch', async () => {
    const dir = tempDir('store-hostile');
    const store = new FileStore(path.join(dir, 'reproducible.db'), SETTINGS);
    const good = twoBuildResult('good', '1.0', '2026-11-25T00:00:00.000Z', [1, 2]);
    for (const [record, field] of hostileResults()) {
      await assert.rejects(
        store.record([good, record]),
        (error: unknown) => error instanceof SpoolError && error.kind === 'integrity' && field.test(error.message),
      );
    }
    assert.deepEqual(
      fs.readdirSync(dir).filter((n) => n !== 'reproducible.db'),
      [],
      'no journal, no quarantine',
    );
  });

  it('calls a truncated database file an integrity problem, naming it', async () => {
    const file = path.join(tempDir('db-truncated'), 'reproducible.db');
    assert.equal((await writer(file, 'a', 20)).status, 0);
    fs.truncateSync(file, 3000);
    await assert.rejects(
      new FileStore(file, SETTINGS).read(() => Promise.resolve(0)),
      (error: Error & { kind?: string }) => error.kind === 'integrity' && error.message.includes(`${file} is not a readable SQLite database`),
    );
  });

  it('refuses a database written by a newer schema, naming both versions', async () => {
    const file = path.join(tempDir('db-new'), 'reproducible.db');
    const db = await loadDatabase(file);
    db.run('INSERT INTO schema_version (version) VALUES (?)', [SCHEMA_VERSION + 1]);
    saveDatabase(db, file);
    db.close();
    await assert.rejects(loadDatabase(file), new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this repro-spool knows \\(${SCHEMA_VERSION}\\)`));
  });
});
