/**
 * A year of Debian-size history as SQL both databases run, for the scale benchmarks: the
 * catalogue of `packages` source packages × 4 suites × 2 architectures, `checks` checks
 * in result_history spread over 365 days (two builds each), results as their latest, and
 * verdict_changes filled from them as the migration that added it does.
 */
import pg from 'pg';
import { openStore } from '../../src/store/store.js';
import { CHANGES_FROM_HISTORY } from '../../src/store/verdict-days.js';

const MIGRATE_SETTINGS = { lockStaleMs: 60_000, lockUpdateMs: 15_000, waitMs: 600_000, pollMs: 5 };

/** A new PostgreSQL database at url brought to the current schema, then seeded by the statements (and analysed). */
export async function seedPostgres(url: string, statements: readonly string[]): Promise<void> {
  const migrated = await openStore(url, MIGRATE_SETTINGS);
  await migrated.read(() => Promise.resolve()); // the first connection brings the schema up to date
  await migrated.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}

export function seedStatements(dialect: 'postgresql' | 'sqlite', checks: number, packages: number): string[] {
  // i numbers the check, p = i mod (packages × 8) its package/suite/arch.
  const cells = packages * 8;
  const series = (n: number) => (dialect === 'postgresql' ? `generate_series(0, ${n - 1}) AS s(i)` : `s`);
  const recursive = (n: number) => (dialect === 'postgresql' ? '' : `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ${n - 1}) `);
  const day = (expr: string) =>
    dialect === 'postgresql'
      ? `to_char(timestamp '2025-01-01' + (${expr}) * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS".000Z"')`
      : `strftime('%Y-%m-%dT%H:%M:%S.000Z', '2025-01-01', '+' || (${expr}) || ' seconds')`;
  const suite = (p: string) => `(CASE (${p} / ${packages}) % 4 WHEN 0 THEN 'bookworm' WHEN 1 THEN 'trixie' WHEN 2 THEN 'forky' ELSE 'sid' END)`;
  const arch = (p: string) => `(CASE (${p} / ${packages * 4}) % 2 WHEN 0 THEN 'amd64' ELSE 'arm64' END)`;
  const name = (p: string) => `'pkg' || (${p} % ${packages})`;
  const verdict = (i: string) => `(CASE ${i} % 7 WHEN 0 THEN 'unreproducible' WHEN 1 THEN 'FTBFS' ELSE 'reproducible' END)`;
  const at = `${day(`i * ${Math.floor((365 * 86400) / Math.max(checks, 1))}`)}`;
  return [
    `${recursive(cells)}INSERT INTO sources (name, version, suite, architecture, dsc_path, dsc_sha256, imported_at)
       SELECT ${name('i')}, '2.0', ${suite('i')}, ${arch('i')}, 'pool/main/p/' || ${name('i')} || '.dsc', '0', '2026-01-01T00:00:00.000Z' FROM ${series(cells)}`,
    `${recursive(checks)}INSERT INTO result_history (journal_id, name, version, suite, architecture, verdict, node1, node2, build_date)
       SELECT 'h' || i, ${name(`i % ${cells}`)}, '1.0', ${suite(`i % ${cells}`)}, ${arch(`i % ${cells}`)}, ${verdict('i')}, 'node1', 'node2', ${at} FROM ${series(checks)}`,
    `${recursive(checks)}INSERT INTO builds (journal_id, build_number, name, version, suite, architecture, node, job, started_at, duration_seconds, exit_code, status)
       SELECT 'h' || i, 1, ${name(`i % ${cells}`)}, '1.0', ${suite(`i % ${cells}`)}, ${arch(`i % ${cells}`)}, 'node1', 'j', ${at}, 100 + i % 50, 0, 'built' FROM ${series(checks)}`,
    `${recursive(checks)}INSERT INTO builds (journal_id, build_number, name, version, suite, architecture, node, job, started_at, duration_seconds, exit_code, status)
       SELECT 'h' || i, 2, ${name(`i % ${cells}`)}, '1.0', ${suite(`i % ${cells}`)}, ${arch(`i % ${cells}`)}, 'node2', 'j', ${at}, 110 + i % 50, 0, 'built' FROM ${series(checks)}`,
    `INSERT INTO results (name, version, suite, architecture, verdict, node1, node2, build_date)
       SELECT name, version, suite, architecture, max(verdict), 'node1', 'node2', max(build_date) FROM result_history GROUP BY name, version, suite, architecture`,
    `INSERT INTO verdict_changes (day, suite, architecture, verdict, change) ${CHANGES_FROM_HISTORY}`,
  ];
}
