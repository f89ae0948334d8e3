/**
 * What code that reads or changes reproducible.db sees, whichever database holds it: an
 * asynchronous session that runs SQL with `?` placeholders and returns rows as objects.
 * The SQL is the subset SQLite (sql.js) and PostgreSQL share: ON CONFLICT … DO NOTHING /
 * DO UPDATE, CAST(… AS INTEGER) for counts (PostgreSQL returns bigint counts as strings).
 */
import type { Database } from 'sql.js';

export type SqlValue = string | number | null;

export interface SqlSession {
  readonly dialect: 'sqlite' | 'postgresql';
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  run(sql: string, params?: readonly SqlValue[]): Promise<void>;
}

/** A sql.js database as a session: statements stepped one by one, rows as objects. */
export function sqlJsSession(db: Database): SqlSession {
  return {
    dialect: 'sqlite',
    all: <T>(sql: string, params: readonly SqlValue[] = []) => {
      const statement = db.prepare(sql);
      const rows: T[] = [];
      try {
        statement.bind([...params]);
        while (statement.step()) rows.push(statement.getAsObject() as T);
      } finally {
        statement.free();
      }
      return Promise.resolve(rows);
    },
    run: (sql: string, params: readonly SqlValue[] = []) => {
      // Without parameters sql.js runs every statement of the text (a migration); with them only the first.
      if (params.length === 0) db.run(sql);
      else db.run(sql, [...params]);
      return Promise.resolve();
    },
  };
}

/** Values bound in one statement at most: SQLite takes 32766, PostgreSQL 65535. */
export const MAX_BOUND_VALUES = 30_000;

/** `?, ?, ?` for a list of values. */
export const placeholders = (values: readonly unknown[]) => values.map(() => '?').join(', ');

/** `(?, ?), (?, ?)`: the VALUES of a multi-row INSERT, `rows` rows of `columns` values each. */
export function valueRows(rows: number, columns: number): string {
  const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
  return Array.from({ length: rows }, () => row).join(', ');
}

/** A list cut into pieces of at most `size`, to bind each piece in one statement. */
export function inChunks<T>(values: readonly T[], size = MAX_BOUND_VALUES): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < values.length; i += size) chunks.push(values.slice(i, i + size));
  return chunks;
}
