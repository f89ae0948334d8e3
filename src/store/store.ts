/**
 * The one way to read and change reproducible.db's data, whichever database holds it:
 * the embedded SQLite file (file-store.ts, sql.js; the default) or a PostgreSQL server
 * (postgres-store.ts) for deployments that outgrow a file rewritten whole on every
 * commit. The configuration's "database" chooses: a postgresql:// URL, else a path.
 */
import type { Clock } from '../clock.js';
import type { StoreRecord } from './records.js';
import type { SqlSession } from './session.js';

export interface Store {
  /** A consistent snapshot for reading. */
  read<T>(use: (db: SqlSession) => Promise<T>): Promise<T>;
  /** Exclusive access for bulk changes (sources import); records waiting to be merged are merged too. */
  write<T>(change: (db: SqlSession) => Promise<T>): Promise<T>;
  /** Returns once the records are durably in the database: an acknowledged record is never lost. */
  record(records: readonly StoreRecord[]): Promise<void>;
  /** Records that could not be read (the embedded store's journal), for status. */
  quarantined(): QuarantinedRecord[];
  /** Ends the connection, if any. */
  close(): Promise<void>;
  /** Where the data is, for messages: a path, or the server without its password. */
  describe(): string;
  /** Whether there is anything to read yet (reading the embedded file would create it). */
  exists(): boolean;
  /** The embedded file's size; undefined for a server. */
  sizeBytes(): number | undefined;
  /**
   * A consistent snapshot of everything committed, records waiting in the journal merged
   * first, written whole to target (atomically: a temp beside it, then a rename): a SQLite
   * file for the embedded store, a pg_dump archive (custom format) for PostgreSQL.
   */
  backup(target: string): Promise<void>;
  /**
   * Puts a backup's data in place of the database's. The embedded store commits it as the
   * next generation (records still waiting in the journal are merged on top); PostgreSQL
   * runs pg_restore --clean. Refused (exit 5) before anything changes if it is not a backup.
   */
  restore(source: string): Promise<void>;
}

export interface StoreSettings {
  readonly lockStaleMs: number;
  readonly lockUpdateMs: number;
  /** How long a writer waits for the database (its lock, or a server to come back) before giving up, and how often it looks. */
  readonly waitMs: number;
  readonly pollMs: number;
  /** PostgreSQL: how long one statement may go unanswered before its connection counts as lost; undefined: no limit (the CLI always sets it). */
  readonly queryTimeoutMs?: number;
  /**
   * The lock holder waits this long before listing the journal, so that a batch catches
   * writers that are a few milliseconds behind (measured best at 15 ms: scripts/bench/db-results.ts).
   */
  readonly commitDelayMs?: number;
  readonly clock?: Clock;
}

export interface QuarantinedRecord {
  readonly file: string;
  readonly reason: string;
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}

/**
 * Where one commit of the embedded file takes about a second, measured by
 * scripts/bench/store-scale.ts on two cores: 270 MB 0.97 s, 583 MB 2.2 s per commit (the
 * file is rewritten whole), so about 280 MB. status warns from 80% of it.
 */
export const EMBEDDED_SECOND_PER_COMMIT_BYTES = 280 * 1024 * 1024;

/** What status says when the embedded file nears a second per commit. */
export function sizeWarning(store: Store): string | undefined {
  const size = store.sizeBytes();
  if (size === undefined || size < 0.8 * EMBEDDED_SECOND_PER_COMMIT_BYTES) return undefined;
  const mb = Math.round(size / 1024 / 1024);
  return (
    `${store.describe()} is ${mb} MB: every commit rewrites it whole, about a second each at ${EMBEDDED_SECOND_PER_COMMIT_BYTES / 1024 / 1024} MB. ` +
    'Fold old history (db fold --older-than-days N) or move to PostgreSQL (db migrate --to postgresql://…)'
  );
}

const opened = new Set<Store>();

/** The store at location: a postgresql:// URL, or the path of the embedded file. */
export async function openStore(location: string, settings: StoreSettings): Promise<Store> {
  let store: Store;
  if (isPostgresUrl(location)) {
    const { PostgresStore } = await import('./postgres-store.js'); // pg loads only where it is used
    store = new PostgresStore(location, settings);
  } else {
    const { FileStore } = await import('./file-store.js');
    store = new FileStore(location, settings);
  }
  opened.add(store);
  return store;
}

/** Ends every store's connection, so that a command's process ends when its work does. */
export async function closeOpenStores(): Promise<void> {
  const stores = [...opened];
  opened.clear();
  await Promise.all(stores.map((store) => store.close()));
}
