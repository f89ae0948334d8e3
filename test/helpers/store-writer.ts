/**
 * A writer process for store tests: records COUNT results named PREFIX-0… into DB (a file
 * or a postgresql:// URL), or with STORE_MODE=write inserts COUNT sources rows in one
 * exclusive write (as sources import does), or with STORE_MODE=node-info records COUNT
 * collections of node1's information, each of three keys. STORE_LOCK_STALE_MS shortens the stale time
 * for stall tests, STORE_WAIT_MS how long it waits for the database, STORE_QUERY_TIMEOUT_MS how long
 * a PostgreSQL statement may go unanswered.
 * Usage: node --import tsx store-writer.ts DB PREFIX COUNT
 */
import { SpoolError } from '../../src/errors.js';
import { openStore } from '../../src/store/store.js';

const [location, prefix, count] = process.argv.slice(2) as [string, string, string];
const lockStaleMs = Number(process.env.STORE_LOCK_STALE_MS ?? 10_000);
const waitMs = Number(process.env.STORE_WAIT_MS ?? 120_000);
const queryTimeoutMs = process.env.STORE_QUERY_TIMEOUT_MS ? Number(process.env.STORE_QUERY_TIMEOUT_MS) : undefined;
const store = await openStore(location, { lockStaleMs, lockUpdateMs: Math.max(1000, lockStaleMs / 5), waitMs, pollMs: 5, queryTimeoutMs });
try {
  if (process.env.STORE_MODE === 'node-info') {
    for (let i = 0; i < Number(count); i++) {
      const collectedAt = new Date().toISOString();
      await store.record([{ kind: 'node-info', node: 'node1', collectedAt, values: { ARCH: 'amd64', WRITER: prefix, ROUND: String(i) } }]);
    }
  } else if (process.env.STORE_MODE === 'write') {
    await store.write(async (db) => {
      for (let i = 0; i < Number(count); i++) {
        await db.run('INSERT INTO sources (name, version, suite, architecture, dsc_path, dsc_sha256, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
          `${prefix}-${i}`,
          '1.0-1',
          'bookworm',
          'amd64',
          `pool/main/${prefix}.dsc`,
          '0'.repeat(64),
          new Date().toISOString(),
        ]);
      }
    });
  } else {
    for (let i = 0; i < Number(count); i++) {
      const source = { name: `${prefix}-${i}`, version: '1.0-1', suite: 'bookworm', architecture: 'amd64' };
      const at = new Date().toISOString();
      await store.record([
        {
          kind: 'result',
          source,
          verdict: i % 2 ? 'reproducible' : 'unreproducible',
          buildDate: at,
          builds: [
            { buildNumber: 1, node: 'node1', startedAt: at, durationSeconds: 12.5, exitCode: 0, status: 'built' },
            { buildNumber: 2, node: 'node2', startedAt: at, durationSeconds: 13.5, exitCode: 0, status: 'built' },
          ],
        },
      ]);
    }
  }
  await store.close();
} catch (error) {
  // as the CLI does: a typed error is a message and its exit code, anything else a bug
  if (!(error instanceof SpoolError)) throw error;
  console.error(error.message);
  process.exit(error.exitCode);
}
