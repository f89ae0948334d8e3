/**
 * One writer process of the db-results benchmark: records COUNT results with MODE, starting
 * at wall-clock time GO, and prints its per-result latencies and end time as JSON.
 * Usage: node --import tsx db-writer.ts MODE DB PREFIX COUNT GO [BETTER_SQLITE3_DIR]
 */
import { createRequire } from 'node:module';
import lockfile from 'proper-lockfile';
import { loadDatabase, saveDatabase } from '../../src/store/database.js';
import { type StoreRecord, applyRecord } from '../../src/store/records.js';
import { FileStore } from '../../src/store/file-store.js';
import { sleep } from '../../src/retry.js';
import { sqlJsSession } from '../../src/store/session.js';
import { twoBuildResult } from '../../test/helpers/records.js';

const [mode, file, prefix, count, go, bsqDir] = process.argv.slice(2) as [string, string, string, string, string, string | undefined];
const settings = { lockStaleMs: 60_000, lockUpdateMs: 15_000, waitMs: 600_000, pollMs: 5 };

function result(i: number): StoreRecord {
  return twoBuildResult(`${prefix}-${i}`, '1.0-1', new Date().toISOString(), [100, 110]);
}

async function naive(record: StoreRecord, id: string): Promise<void> {
  const release = await lockfile.lock(file, { lockfilePath: `${file}.lock`, realpath: false, retries: { retries: 100_000, minTimeout: 5, maxTimeout: 20 } });
  try {
    const db = await loadDatabase(file);
    await applyRecord(sqlJsSession(db), id, record);
    saveDatabase(db, file);
    db.close();
  } finally {
    await release();
  }
}

type BetterDb = { pragma(s: string): unknown; prepare(sql: string): { run(...a: unknown[]): unknown }; transaction(f: () => void): () => void };

function betterSqlite(): (record: StoreRecord, id: string) => void {
  const Database = createRequire(`${bsqDir}/`)('better-sqlite3') as new (f: string) => BetterDb;
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 60000');
  const upsert = db.prepare(`INSERT INTO results (name, version, suite, architecture, verdict, node1, node2, build_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (name, suite, architecture) DO UPDATE SET version = excluded.version, verdict = excluded.verdict, build_date = excluded.build_date`);
  const build = db.prepare(
    'INSERT OR IGNORE INTO builds (journal_id, build_number, name, version, suite, architecture, node, job, started_at, duration_seconds, exit_code, status) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)',
  );
  return (record, id) => {
    if (record.kind !== 'result') return;
    const s = record.source;
    db.transaction(() => {
      upsert.run(s.name, s.version, s.suite, s.architecture, record.verdict, 'node1', 'node2', record.buildDate);
      for (const b of record.builds)
        build.run(id, b.buildNumber, s.name, s.version, s.suite, s.architecture, b.node, b.startedAt, b.durationSeconds, b.exitCode, b.status);
    })();
  };
}

const store = new FileStore(file, settings);
const write: (record: StoreRecord, id: string) => Promise<void> | void =
  mode === 'group' ? (record) => store.record([record]) : mode === 'naive' ? naive : betterSqlite();
await sleep(Math.max(0, Number(go) - Date.now()));
const latencies: number[] = [];
for (let i = 0; i < Number(count); i++) {
  const start = performance.now();
  await write(result(i), `${prefix}-${i}-${process.pid}`);
  latencies.push(performance.now() - start);
}
process.stdout.write(JSON.stringify({ latencies, end: Date.now() }));
