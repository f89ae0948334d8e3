/**
 * Brings a database's schema up to date: each migration of schema.ts runs once, in order,
 * and its number is recorded in schema_version. The caller holds the database exclusively
 * (a transaction under the file lock, or under PostgreSQL's advisory lock).
 */
import { SpoolError } from '../errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';
import type { SqlSession } from './session.js';

export async function migrate(db: SqlSession, where: string): Promise<void> {
  await db.run('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const [row] = await db.all<{ version: number | null }>('SELECT CAST(max(version) AS INTEGER) AS version FROM schema_version');
  const current = Number(row?.version ?? 0);
  if (current > SCHEMA_VERSION) {
    throw new SpoolError('integrity', `${where} has schema version ${current}, newer than this repro-spool knows (${SCHEMA_VERSION}): upgrade repro-spool`);
  }
  for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
    await db.run(inDialect(MIGRATIONS[version - 1]!, db.dialect));
    await db.run('INSERT INTO schema_version (version) VALUES (?)', [version]);
  }
}

/** The one difference in the schema's SQL: SQLite's REAL is 8 bytes, PostgreSQL's only 4. */
function inDialect(sql: string, dialect: SqlSession['dialect']): string {
  return dialect === 'postgresql' ? sql.replace(/\bREAL\b/g, 'DOUBLE PRECISION') : sql;
}
