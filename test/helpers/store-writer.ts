/**
 * A writer process for store tests: records COUNT results named PREFIX-0… into DB.
 * Usage: node --import tsx store-writer.ts DB PREFIX COUNT
 */
import { Store } from '../../src/store/store.js';

const [file, prefix, count] = process.argv.slice(2) as [string, string, string];
const store = new Store(file, { lockStaleMs: 10_000, lockUpdateMs: 2_000, waitMs: 120_000, pollMs: 5 });
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
