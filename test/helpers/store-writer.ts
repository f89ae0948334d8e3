/**
 * A writer process for store tests: records COUNT results named PREFIX-0… into DB, or
 * with STORE_MODE=write inserts COUNT sources rows in one exclusive write (as sources
 * import does). STORE_LOCK_STALE_MS shortens the stale time for stall tests.
 * Usage: node --import tsx store-writer.ts DB PREFIX COUNT
 */
import { SpoolError } from '../../src/errors.js';
import { Store } from '../../src/store/store.js';

const [file, prefix, count] = process.argv.slice(2) as [string, string, string];
const lockStaleMs = Number(process.env.STORE_LOCK_STALE_MS ?? 10_000);
const store = new Store(file, { lockStaleMs, lockUpdateMs: Math.max(1000, lockStaleMs / 5), waitMs: 120_000, pollMs: 5 });
try {
  if (process.env.STORE_MODE === 'write') {
    await store.write((db) => {
      for (let i = 0; i < Number(count); i++) {
        db.run('INSERT INTO sources (name, version, suite, architecture, dsc_path, dsc_sha256, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
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
} catch (error) {
  // as the CLI does: a typed error is a message and its exit code, anything else a bug
  if (!(error instanceof SpoolError)) throw error;
  console.error(error.message);
  process.exit(error.exitCode);
}
