/**
 * reproducible.db through sql.js: the whole database lives in memory and is written back
 * whole. Loading and saving are the only file operations: save writes a temp file in the
 * same directory, fsyncs it, renames it over the old file and fsyncs the directory, so a
 * reader (or the sqlite3 CLI) never sees a torn file.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import { SpoolError, errnoCode } from '../errors.js';
import { replaceFileDurably } from '../durable/atomic.js';
import { migrate } from './migrate.js';
import { sqlJsSession } from './session.js';

let engine: Promise<SqlJsStatic> | undefined;

function sqlJs(): Promise<SqlJsStatic> {
  const wasm = createRequire(import.meta.url).resolve('sql.js/dist/sql-wasm.wasm');
  if (!engine) engine = initSqlJs({ locateFile: () => wasm });
  return engine;
}

/** Loads the file (or a new, empty database) and brings its schema up to date in memory. */
export async function loadDatabase(file: string): Promise<Database> {
  let data: Buffer | undefined;
  try {
    data = fs.readFileSync(file);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
  return openDatabase(data, file);
}

/** A database from its bytes (undefined: a new, empty one), its schema brought up to date in memory; file names it in errors. */
export async function openDatabase(data: Buffer | undefined, file: string): Promise<Database> {
  const SQL = await sqlJs();
  let db: Database | undefined;
  try {
    db = data ? new SQL.Database(data) : new SQL.Database();
    db.run('BEGIN');
    await migrate(sqlJsSession(db), file);
    db.run('COMMIT');
  } catch (error) {
    db?.close();
    if (error instanceof SpoolError) throw error;
    // sql.js says only "malformed"/"not a database": whatever it is, this file cannot be used
    throw new SpoolError(
      'integrity',
      `${file} is not a readable SQLite database (${(error as Error).message}): restore it from a backup, or move it aside to start an ` +
        `empty one; records not yet merged wait in ${file}.journal`,
    );
  }
  return db;
}

/**
 * Writes the whole database atomically and durably over file, for a database nobody else
 * writes (a benchmark seeding one, a test fixture). The store commits generations instead
 * (generations.ts), which is safe beside other writers.
 */
export function saveDatabase(db: Database, file: string): void {
  replaceFileDurably(file, db.export());
}

/** Rows of a query as plain objects. */
export function query<T>(db: Database, sql: string, params: Array<string | number | null> = []): T[] {
  const statement = db.prepare(sql);
  try {
    statement.bind(params);
    const rows: T[] = [];
    while (statement.step()) rows.push(statement.getAsObject() as T);
    return rows;
  } finally {
    statement.free();
  }
}
