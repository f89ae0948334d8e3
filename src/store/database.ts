/**
 * reproducible.db through sql.js: the whole database lives in memory and is written back
 * whole. Loading and saving are the only file operations: save writes a temp file in the
 * same directory, fsyncs it, renames it over the old file and fsyncs the directory, so a
 * reader (or the sqlite3 CLI) never sees a torn file.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import { SpoolError, errnoCode } from '../errors.js';
import { fsyncDir, tempPath, writeDurable } from '../spool/atomic.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

let engine: Promise<SqlJsStatic> | undefined;

function sqlJs(): Promise<SqlJsStatic> {
  const wasm = createRequire(import.meta.url).resolve('sql.js/dist/sql-wasm.wasm');
  if (!engine) engine = initSqlJs({ locateFile: () => wasm });
  return engine;
}

/** Loads the file (or a new, empty database) and brings its schema up to date in memory. */
export async function loadDatabase(file: string): Promise<Database> {
  const SQL = await sqlJs();
  let data: Buffer | undefined;
  try {
    data = fs.readFileSync(file);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
  const db = data ? new SQL.Database(data) : new SQL.Database();
  try {
    migrate(db, file);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

function migrate(db: Database, file: string): void {
  db.run('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const current = Number(db.exec('SELECT max(version) FROM schema_version')[0]?.values[0]?.[0] ?? 0);
  if (current > SCHEMA_VERSION) {
    throw new SpoolError('integrity', `${file} has schema version ${current}, newer than this repro-spool knows (${SCHEMA_VERSION}): upgrade repro-spool`);
  }
  for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
    db.run('BEGIN');
    db.run(MIGRATIONS[version - 1]!);
    db.run('INSERT INTO schema_version (version) VALUES (?)', [version]);
    db.run('COMMIT');
  }
}

/** Writes the whole database atomically and durably over file. */
export function saveDatabase(db: Database, file: string): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const temp = tempPath(dir, `${path.basename(file)}.new`);
  try {
    writeDurable(temp, db.export());
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fsyncDir(dir);
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
