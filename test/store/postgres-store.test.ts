/**
 * The PostgreSQL store against a real server the tests start themselves (PostgreSQL 15
 * from Debian's postgresql package): records, migrations, concurrent writer processes,
 * a writer killed mid-transaction, the server killed mid-transaction, a server that is
 * not there, and the CLI using it end to end.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { after, before, describe, it } from 'node:test';
import { sleep } from '../../src/retry.js';
import { SCHEMA_VERSION } from '../../src/store/schema.js';
import { type Store, openStore } from '../../src/store/store.js';
import { type Mirror, startMirror } from '../helpers/mirror.js';
import { type Postgres, startPostgres } from '../helpers/postgres.js';
import { cliAsync, fromJson, sandbox, writeConfig } from '../helpers/spool.js';
import { runStoreWriter } from '../helpers/store-writer-process.js';
import { hostileResults, twoBuildResult } from '../helpers/records.js';
import { SpoolError } from '../../src/errors.js';

const SETTINGS = { lockStaleMs: 10_000, lockUpdateMs: 2_000, waitMs: 60_000, pollMs: 5 };
let server: Postgres;
let mirror: Mirror;
before(async () => {
  server = await startPostgres();
  mirror = await startMirror([{ name: 'steady', version: '1.0', build: ['mkdir -p out', 'echo constant > out/data'] }]);
});
after(async () => {
  await server.stop();
  await mirror.close();
});

const writer = runStoreWriter;

/** Waits until a repro-spool session on that database sits inside an open transaction. */
async function inTransaction(url: string): Promise<void> {
  const database = new URL(url).pathname.slice(1);
  for (let i = 0; i < 400; i++) {
    const client = new pg.Client({ connectionString: server.adminUrl });
    await client.connect();
    const { rows } = await client.query(
      "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND application_name = 'repro-spool' AND state = 'idle in transaction'",
      [database],
    );
    await client.end();
    if (rows.length > 0) return;
    await sleep(25);
  }
  throw new Error('the writer never opened its transaction');
}

async function withStore<T>(url: string, use: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(url, SETTINGS);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

const count = (url: string, table: string) =>
  withStore(url, (store) => store.read(async (db) => Number((await db.all<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n)));
const names = (url: string) =>
  withStore(url, (store) => store.read(async (db) => (await db.all<{ name: string }>('SELECT name FROM results ORDER BY name')).map((r) => r.name)));

describe('reproducible.db in PostgreSQL', () => {
  it('records a result with one row per single build, with the schema migrated once', async () => {
    const url = await server.newDatabase();
    const at = '2026-11-25T00:00:00.000Z';
    await withStore(url, (store) => store.record([twoBuildResult('hello', '1:2.10-3', at, [61.5, 70.25])]));
    const rows = await withStore(url, (store) =>
      store.read((db) =>
        db.all<{ node: string; duration_seconds: number; build_number: number }>(
          'SELECT node, duration_seconds, build_number FROM builds ORDER BY build_number',
        ),
      ),
    );
    assert.deepEqual(rows, [
      { node: 'node1', duration_seconds: 61.5, build_number: 1 },
      { node: 'node2', duration_seconds: 70.25, build_number: 2 },
    ]);
    assert.deepEqual(await withStore(url, (store) => store.read((db) => db.all('SELECT version FROM schema_version ORDER BY version'))), [
      ...Array.from({ length: SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })),
    ]);
  });

  it('refuses every record the journal would refuse (exit 5, naming the field), storing nothing of its batch', async () => {
    const url = await server.newDatabase();
    const good = twoBuildResult('good', '1.0', '2026-11-25T00:00:00.000Z', [1, 2]);
    for (const [record, field] of hostileResults()) {
      await assert.rejects(
        withStore(url, (store) => store.record([good, record])),
        (error: unknown) => error instanceof SpoolError && error.kind === 'integrity' && field.test(error.message),
      );
    }
    assert.equal(await count(url, 'results'), 0, 'nothing of any refused batch');
  });

  it("db backup writes a pg_dump archive and db restore puts it back under the writers' lock; a file that is not one is refused (exit 5)", async () => {
    const url = await server.newDatabase();
    const at = '2026-11-25T00:00:00.000Z';
    await withStore(url, (store) => store.record(['aa', 'bb'].map((name) => twoBuildResult(name, '1.0', at, [1, 2]))));
    const s = sandbox('pg-backup');
    const config = writeConfig(s.dir, { database: url });
    const dump = path.join(s.dir, 'reproducible.pgdump');
    const backup = await cliAsync(s.root, ['--config', config, '--json', 'db', 'backup', '--to', dump]);
    assert.equal(backup.status, 0, backup.stderr);
    assert.ok(fromJson<{ bytes: number }>(backup.stdout).bytes > 0);
    assert.doesNotMatch(backup.stderr, /:[^:@/]*@/, 'no password printed');
    await withStore(url, (store) => store.record([twoBuildResult('cc', '1.0', at, [1, 2])]));
    const junk = path.join(s.dir, 'junk.pgdump');
    fs.writeFileSync(junk, 'not a dump');
    const refused = await cliAsync(s.root, ['--config', config, 'db', 'restore', junk]);
    assert.equal(refused.status, 5, refused.stderr);
    assert.deepEqual(await names(url), ['aa', 'bb', 'cc'], 'nothing changed');
    const restored = await cliAsync(s.root, ['--config', config, 'db', 'restore', dump]);
    assert.equal(restored.status, 0, restored.stderr);
    assert.deepEqual(await names(url), ['aa', 'bb']);
    assert.equal(await count(url, 'builds'), 4);
    await withStore(url, (store) => store.record([twoBuildResult('dd', '1.0', at, [1, 2])]));
    assert.deepEqual(await names(url), ['aa', 'bb', 'dd'], 'writers go on after a restore');
  });

  it("connects and reads while a bulk change holds the writers' lock", async () => {
    const url = await server.newDatabase();
    await withStore(url, (store) => store.read(() => Promise.resolve())); // the schema exists
    const bulk = await openStore(url, SETTINGS);
    let release = () => {};
    const holding = new Promise<void>((resolve) => (release = resolve));
    let locked = () => {};
    const hasLock = new Promise<void>((resolve) => (locked = resolve));
    const writing = bulk.write(async () => {
      locked();
      await holding;
    });
    await hasLock;
    const read = withStore(url, (store) => store.read((db) => db.all('SELECT 1 AS one')));
    const outcome = await Promise.race([read.then(() => 'read'), sleep(5000).then(() => 'blocked')]);
    release();
    await writing;
    await bulk.close();
    await read;
    assert.equal(outcome, 'read', 'a new connection does not wait for the lock when the schema is up to date');
  });

  it('keeps every record of 8 concurrent writer processes', async () => {
    const url = await server.newDatabase();
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((p) => writer(url, p, 25)));
    for (const r of results) assert.equal(r.status, 0, r.stderr);
    assert.deepEqual([await count(url, 'results'), await count(url, 'result_history'), await count(url, 'builds')], [200, 200, 400]);
  });

  it("keeps one whole collection of a node's information when 6 processes record it at once", async () => {
    const url = await server.newDatabase();
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((p) => writer(url, p, 10, { STORE_MODE: 'node-info' })));
    for (const r of results) assert.equal(r.status, 0, r.stderr);
    const rows = await withStore(url, (store) =>
      store.read((db) => db.all<{ key: string; collected_at: string }>("SELECT key, collected_at FROM node_info WHERE node = 'node1' ORDER BY key")),
    );
    assert.deepEqual(
      rows.map((r) => r.key),
      ['ARCH', 'ROUND', 'WRITER'],
    );
    assert.equal(new Set(rows.map((r) => r.collected_at)).size, 1, 'all three keys of one collection, never a mix');
  });

  it('keeps nothing of a writer SIGKILLed inside its transaction, and the next writer proceeds', async () => {
    const url = await server.newDatabase();
    const crashed = await writer(url, 'crashed', 1, { REPRO_SPOOL_FAULT: 'postgres:before-commit' });
    assert.equal(crashed.signal, 'SIGKILL');
    const next = await writer(url, 'next', 1);
    assert.equal(next.status, 0, next.stderr);
    assert.deepEqual(await names(url), ['next-0']);
    assert.equal(await count(url, 'builds'), 2, 'no build row of the killed transaction');
  });

  it('survives the server killed mid-transaction: the writer retries once it is back, and its record is there once', async () => {
    const url = await server.newDatabase();
    const stalled = writer(url, 'survivor', 1, { REPRO_SPOOL_STALL: 'postgres:before-commit:3000' });
    await inTransaction(url); // the writer applied its record and is stalled before COMMIT
    await server.kill();
    await sleep(500);
    await server.start();
    const done = await stalled;
    assert.equal(done.status, 0, done.stderr);
    assert.deepEqual(await names(url), ['survivor-0']);
    assert.deepEqual([await count(url, 'result_history'), await count(url, 'builds')], [1, 2], 'applied once');
  });

  it('gives up on a server that stops answering mid-transaction (exit 6) instead of hanging, and loses nothing acknowledged', async () => {
    const url = await server.newDatabase();
    assert.equal((await writer(url, 'before', 1)).status, 0);
    const env = { REPRO_SPOOL_STALL: 'postgres:before-commit:2000', STORE_WAIT_MS: '4000', STORE_QUERY_TIMEOUT_MS: '1500' };
    const started = Date.now();
    const hung = writer(url, 'hung', 1, env);
    await inTransaction(url);
    server.pause(); // its COMMIT will get no answer, nor will a new connection
    try {
      let timer: NodeJS.Timeout | undefined;
      const tooLong = new Promise<{ status: string; stderr: string }>((resolve) => {
        timer = setTimeout(() => resolve({ status: 'still hanging after 45 s', stderr: '' }), 45_000);
      });
      const done = await Promise.race([hung, tooLong]);
      clearTimeout(timer);
      assert.equal(done.status, 6, done.stderr);
      assert.match(done.stderr, /cannot reach the database postgresql:\/\/repro@127\.0\.0\.1:\d+\/t_\w+ for 4 s: .*timeout/i);
      assert.ok(Date.now() - started < 30_000, `gave up after ${Date.now() - started} ms`);
    } finally {
      server.resume();
    }
    const names_ = await names(url);
    assert.ok(names_.includes('before-0'), 'the acknowledged record is there');
    assert.ok(names_.length <= 2, 'the unacknowledged one is there at most once (its COMMIT may have been read once the server went on)');
    assert.equal((await writer(url, 'after', 1)).status, 0, 'and the server is usable again');
  });

  it('says a server that is not there is unreachable (exit 6), naming it, without a stack trace', async () => {
    const url = `postgresql://repro@127.0.0.1:9/nowhere`;
    const refused = await writer(url, 'x', 1, { STORE_WAIT_MS: '800' });
    assert.equal(refused.status, 6, refused.stderr);
    assert.match(refused.stderr, /cannot reach the database postgresql:\/\/repro@127\.0\.0\.1:9\/nowhere for 0\.8 s: .*ECONNREFUSED/);
    assert.doesNotMatch(refused.stderr, /\n\s+at /);
  });

  it('is what the CLI uses when the configuration names it: build, show, status, notes import, dashboard and export json', async () => {
    const url = await server.newDatabase();
    const s = sandbox('pg-cli');
    const config = writeConfig(s.dir, { root: 'root', builder: 'host', mirror: mirror.url, suites: ['bookworm'], database: url });
    const run = (...args: string[]) => cliAsync(s.root, ['--config', config, ...args]);
    const built = await run('--json', 'build', 'steady', '--arch', 'amd64');
    assert.equal(built.status, 0, built.stderr);
    assert.equal(fromJson(built.stdout).verdict, 'reproducible');
    assert.equal(fs.existsSync(path.join(s.root, 'reproducible.db')), false, 'no embedded file was made');
    assert.deepEqual(await names(url), ['steady']);
    const shown = fromJson<{ verdicts: Array<{ verdict: string; builds: unknown[] }> }>((await run('--json', 'show', 'steady')).stdout);
    assert.deepEqual([shown.verdicts[0]?.verdict, shown.verdicts[0]?.builds.length], ['reproducible', 2]);
    assert.equal((await run('status')).status, 0);
    const notes = path.join(s.dir, 'packages.yml');
    const issues = path.join(s.dir, 'issues.yml');
    fs.writeFileSync(notes, 'steady:\n  version: 0.9\n  issues: [ftbfs_in_jenkins_setup]\n');
    fs.writeFileSync(issues, 'ftbfs_in_jenkins_setup:\n  description: the infrastructure failed\n');
    const imported = await run('--json', 'notes', 'import', '--packages', notes, '--issues', issues);
    assert.equal(imported.status, 0, imported.stderr);
    const dashboard = await run('--json', 'dashboard');
    assert.equal(dashboard.status, 0, dashboard.stderr);
    assert.equal(fromJson(dashboard.stdout).results, 1);
    assert.ok(fs.existsSync(path.join(s.root, 'dashboard', 'issues', 'ftbfs_in_jenkins_setup.html')));
    const exported = await run('--json', 'export', 'json', '--out', path.join(s.dir, 'www'));
    assert.equal(exported.status, 0, exported.stderr);
    assert.equal(fromJson(exported.stdout).rows, 1, 'a reproducible verdict is published whatever its notes say');
  });

  it('db migrate copies an embedded reproducible.db whole, history included, idempotently, and the CLI then reads it there', async () => {
    const url = await server.newDatabase();
    const s = sandbox('pg-migrate');
    const embedded = writeConfig(s.dir, { root: 'root', builder: 'host', mirror: mirror.url, suites: ['bookworm'] });
    const built = await cliAsync(s.root, ['--config', embedded, 'build', 'steady', '--arch', 'amd64']);
    assert.equal(built.status, 0, built.stderr);
    assert.equal((await writer(path.join(s.root, 'reproducible.db'), 'more', 30)).status, 0);
    const migrate = (env: Record<string, string> = {}) => cliAsync(s.root, ['--config', embedded, '--json', 'db', 'migrate', '--to', url], env);
    const killed = await migrate({ REPRO_SPOOL_FAULT: 'migrate:after-table' });
    assert.equal(killed.signal, 'SIGKILL', 'killed once the first table (sources) was copied');
    const first = await migrate();
    assert.equal(first.status, 0, first.stderr);
    const report = fromJson<Array<{ table: string; source: number; copied: number; target: number }>>(first.stdout);
    const byTable = Object.fromEntries(report.map((r) => [r.table, [r.source, r.copied, r.target]]));
    assert.deepEqual(byTable.sources, [byTable.sources![0], 0, byTable.sources![0]], 'copied before the kill, kept');
    assert.deepEqual(byTable.results, [31, 31, 31]);
    assert.deepEqual(byTable.result_history, [31, 31, 31]);
    assert.deepEqual(byTable.builds, [62, 62, 62]);
    assert.ok(byTable.sources[0]! >= 1 && byTable.schedule_history![0]! >= 1, JSON.stringify(byTable));
    assert.equal(byTable.verdict_changes![2], byTable.verdict_changes![0], 'the chart moves with it');
    const again = fromJson<Array<{ copied: number }>>((await migrate()).stdout);
    assert.deepEqual(
      again.map((r) => r.copied),
      report.map(() => 0),
      'a second run copies nothing',
    );
    const onServer = writeConfig(fs.mkdtempSync(path.join(s.dir, 'pg-')), {
      root: s.root,
      builder: 'host',
      mirror: mirror.url,
      suites: ['bookworm'],
      database: url,
    });
    const shown = fromJson<{ verdicts: Array<{ verdict: string }> }>((await cliAsync(s.root, ['--config', onServer, '--json', 'show', 'steady'])).stdout);
    assert.deepEqual(
      shown.verdicts.map((v) => v.verdict),
      ['reproducible'],
    );
    const bad = await cliAsync(s.root, ['--config', embedded, 'db', 'migrate', '--to', '/tmp/not-a-url']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--to "\/tmp\/not-a-url": expected a postgresql:\/\/ URL/);
  });
});
