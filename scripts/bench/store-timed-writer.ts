/**
 * One writer process of store-scale.ts: records COUNT results into DB (a file or a
 * postgresql:// URL) one store.record() each, and prints the latency of each and the
 * process's peak memory as JSON.
 * Usage: node --import tsx store-timed-writer.ts DB PREFIX COUNT
 */
import { openStore } from '../../src/store/store.js';

const [location, prefix, count] = process.argv.slice(2) as [string, string, string];
const store = await openStore(location, { lockStaleMs: 60_000, lockUpdateMs: 15_000, waitMs: 600_000, pollMs: 5 });
const latencies: number[] = [];
for (let i = 0; i < Number(count); i++) {
  const at = new Date().toISOString();
  const started = performance.now();
  await store.record([
    {
      kind: 'result',
      source: { name: `${prefix}-${i}`, version: '1.0-1', suite: 'bookworm', architecture: 'amd64' },
      verdict: 'reproducible',
      buildDate: at,
      builds: [
        { buildNumber: 1, node: 'node1', startedAt: at, durationSeconds: 100, exitCode: 0, status: 'built' },
        { buildNumber: 2, node: 'node2', startedAt: at, durationSeconds: 110, exitCode: 0, status: 'built' },
      ],
    },
  ]);
  latencies.push(performance.now() - started);
}
await store.close();
process.stdout.write(JSON.stringify({ latencies, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
