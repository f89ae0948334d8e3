/**
 * reproducible.db's data in PostgreSQL, for deployments that outgrow one file rewritten
 * whole on every commit: "database": "postgresql://user@host/db" in the configuration.
 *
 * Same schema and migrations as the embedded file. Each group of records is one
 * transaction, so a writer killed or a server killed mid-transaction leaves nothing of
 * it. Records of different writers go in side by side (each statement is an upsert or an
 * insert that keeps what is there; node information, a delete and inserts, is serialised
 * per node); bulk changes (sources import, db fold, db migrate) take one advisory lock
 * exclusively, records share it, so a bulk change runs alone as it does under the file
 * lock.
 * A record's journal id is chosen before the first try, so a commit whose acknowledgement
 * was lost (the server died right after it) and is retried adds nothing twice. A server
 * that cannot be reached is retried (backoff) for databaseWaitSeconds, then exit 6.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { SpoolError } from '../errors.js';
import { faultPoint } from '../durable/fault.js';
import { fsyncDir, fsyncFile, tempPath } from '../durable/atomic.js';
import { runQuick } from '../process/run.js';
import { retrying } from '../retry.js';
import { migrate } from './migrate.js';
import { SCHEMA_VERSION } from './schema.js';
import { type StoreRecord, applyRecord, validateRecord } from './records.js';
import type { SqlSession, SqlValue } from './session.js';
import type { QuarantinedRecord, Store, StoreSettings } from './store.js';

/** A dump or restore of a Debian-size history takes minutes; an hour means a server that hangs. */
const CLIENT_TOOL_TIMEOUT_MS = 3600_000;
/** The advisory lock of writers: exclusive for bulk changes, shared by records ("repro" in ASCII). */
const WRITER_LOCK = 0x7265_7072;
/** SQLSTATE of a table that does not exist: a database never migrated. */
const UNDEFINED_TABLE = '42P01';
/** SQLSTATE classes and codes after which the same transaction may simply be tried again. */
const TRANSIENT = /^(08|57P0|40001|40P01|53300)/;

export class PostgresStore implements Store {
  private client: pg.Client | undefined;
  private socket: net.Socket | undefined;

  constructor(
    private readonly url: string,
    private readonly settings: StoreSettings,
  ) {}

  describe(): string {
    const url = new URL(this.url);
    url.password = '';
    return url.toString();
  }

  async read<T>(use: (db: SqlSession) => Promise<T>): Promise<T> {
    return this.transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', 'none', use);
  }

  async write<T>(change: (db: SqlSession) => Promise<T>): Promise<T> {
    return this.transaction('BEGIN', 'exclusive', change);
  }

  async record(records: readonly StoreRecord[]): Promise<void> {
    for (const record of records) validateRecord(record); // the journal's check: the same records are refused by both stores
    const stamped = records.map((record) => ({ journalId: `pg-${Date.now()}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`, record }));
    const nodes = [...new Set(records.flatMap((r) => (r.kind === 'node-info' ? [r.node] : [])))].sort(); // one order: no deadlock
    await this.transaction('BEGIN', 'shared', async (db) => {
      for (const node of nodes) await db.run('SELECT pg_advisory_xact_lock(1, hashtext(?))', [node]); // two keys: apart from WRITER_LOCK's space
      for (const { journalId, record } of stamped) await applyRecord(db, journalId, record);
    });
  }

  exists(): boolean {
    return true; // the server is asked on the first read
  }

  sizeBytes(): undefined {
    return undefined; // a server's size is its operator's to watch, not a commit's cost
  }

  quarantined(): QuarantinedRecord[] {
    return []; // no journal: a record is in a committed transaction or nowhere
  }

  async backup(target: string): Promise<void> {
    const temp = tempPath(path.dirname(target), `${path.basename(target)}.new`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    try {
      this.runClientTool('pg_dump', ['--format=custom', '--no-owner', `--file=${temp}`]);
      fsyncFile(temp);
      fs.renameSync(temp, target);
    } finally {
      fs.rmSync(temp, { force: true });
    }
    fsyncDir(path.dirname(target));
  }

  async restore(source: string): Promise<void> {
    if (!fs.existsSync(source)) throw new SpoolError('usage', `backup ${JSON.stringify(source)} does not exist`);
    const listed = runQuick('pg_restore', ['--list', source], { discardOutput: true });
    if (listed.exitCode !== 0) throw new SpoolError('integrity', `${source} is not a pg_dump archive (custom format): nothing was restored`);
    // Under the writers' exclusive lock: no record lands between the old tables' drop and the backup's.
    await this.write(() => Promise.resolve(this.runClientTool('pg_restore', ['--clean', '--if-exists', '--no-owner', '--single-transaction', source])));
  }

  /** pg_dump or pg_restore against this database, its password passed in the environment, never on the command line. */
  private runClientTool(tool: 'pg_dump' | 'pg_restore', args: string[]): void {
    const url = new URL(this.url);
    const password = decodeURIComponent(url.password);
    url.password = '';
    const run = runQuick(tool, [...args, `--dbname=${url.toString()}`], {
      env: { ...process.env, ...(password && { PGPASSWORD: password }) },
      timeoutMs: CLIENT_TOOL_TIMEOUT_MS,
    });
    if (run.error) throw new SpoolError('failed', `cannot run ${tool}: ${run.error.message}`);
    if (run.exitCode !== 0) throw new SpoolError('failed', `${tool} of ${this.describe()} exited ${run.exitCode}: ${run.stderr.toString('utf8').trim()}`);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.socket = undefined;
    await client?.end();
  }

  /** One transaction, tried again on a lost connection or a server restart until databaseWaitSeconds have passed. */
  private async transaction<T>(begin: string, lock: 'exclusive' | 'shared' | 'none', body: (db: SqlSession) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.settings.waitMs;
    let lastError: unknown;
    const outcome = await retrying<{ done: T } | { gaveUp: true }>(
      { retries: Number.MAX_SAFE_INTEGER, backoffMs: this.settings.pollMs * 10, maxBackoffMs: 1000 },
      async () => {
        if (Date.now() > deadline && lastError !== undefined) return { value: { gaveUp: true } }; // databaseWaitSeconds are over
        try {
          const client = await this.connected();
          // One round trip for both: a record is a handful of statements, each a round trip.
          const takeLock = {
            exclusive: `; SELECT pg_advisory_xact_lock(${WRITER_LOCK})`,
            shared: `; SELECT pg_advisory_xact_lock_shared(${WRITER_LOCK})`,
            none: '',
          }[lock];
          await client.query(`${begin}${takeLock}`);
          try {
            const value = await body(session(client));
            if (lock !== 'none') faultPoint('postgres:before-commit');
            await client.query('COMMIT');
            return { value: { done: value } };
          } catch (error) {
            // A lost connection is rolled back by the server; asking would wait on a server that may not answer.
            if (!isTransient(error)) await client.query('ROLLBACK');
            throw error;
          }
        } catch (error) {
          if (!isTransient(error)) throw error;
          lastError = error;
          this.abandon();
          return { retry: (error as Error).message };
        }
      },
    );
    if ('value' in outcome && 'done' in outcome.value) return outcome.value.done;
    throw new SpoolError('unreachable', `cannot reach the database ${this.describe()} for ${this.settings.waitMs / 1000} s: ${(lastError as Error).message}`);
  }

  private async connected(): Promise<pg.Client> {
    if (this.client) return this.client;
    let socket: net.Socket | undefined;
    const client = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: Math.min(this.settings.waitMs, 10_000),
      application_name: 'repro-spool',
      // A server that accepts connections and then stops answering (stopped, swapping, a
      // half-open connection) would otherwise hang the command: the statement fails, and
      // the transaction is tried again on a new connection until databaseWaitSeconds.
      query_timeout: this.settings.queryTimeoutMs,
      // The socket pg would make, kept here: a connection given up on is destroyed, since
      // Client.end() waits for the server to close its side.
      stream: () => (socket = new net.Socket()),
    });
    client.on('error', () => undefined); // a connection dropped while idle: the next query fails and is retried
    await client.connect();
    try {
      // Up to date (every connection but the first after an upgrade): no lock, so connecting never waits for a bulk change.
      if ((await schemaVersion(client)) !== SCHEMA_VERSION) {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1)', [WRITER_LOCK]);
        await migrate(session(client), this.describe());
        await client.query('COMMIT');
      }
    } catch (error) {
      socket?.destroy();
      throw error;
    }
    this.client = client;
    this.socket = socket;
    return client;
  }

  /** Drops a connection that failed: destroyed, not ended, and the next transaction connects anew. */
  private abandon(): void {
    this.socket?.destroy();
    this.client = undefined;
    this.socket = undefined;
  }
}

/** The database's schema version, 0 before the first migration. */
async function schemaVersion(client: pg.Client): Promise<number> {
  try {
    const { rows } = await client.query<{ version: number | null }>('SELECT CAST(max(version) AS INTEGER) AS version FROM schema_version');
    return Number(rows[0]?.version ?? 0);
  } catch (error) {
    if (error instanceof pg.DatabaseError && error.code === UNDEFINED_TABLE) return 0;
    throw error;
  }
}

function session(client: pg.Client): SqlSession {
  const query = async (sql: string, params: readonly SqlValue[]) => (params.length === 0 ? client.query(sql) : client.query(numbered(sql), [...params]));
  return {
    dialect: 'postgresql',
    all: async <T>(sql: string, params: readonly SqlValue[] = []) => (await query(sql, params)).rows as T[],
    run: async (sql: string, params: readonly SqlValue[] = []) => {
      await query(sql, params);
    },
  };
}

/** `?` placeholders as PostgreSQL's $1, $2…: the project's SQL holds no '?' in literals. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * Worth the same transaction again: the server said so (a connection or shutdown SQLSTATE,
 * a serialization failure, too many clients), or the connection itself failed (a socket
 * error, or pg's own "terminated"/"not queryable" after one). An SQL error is not.
 */
function isTransient(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return TRANSIENT.test(error.code ?? '');
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true; // ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT, ENOTFOUND…
  return error instanceof Error && /connection|terminated|not queryable|timeout/i.test(error.message);
}
