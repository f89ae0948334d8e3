/**
 * One writer process of store-scale.ts: records COUNT results into DB (a file or a
 * postgresql:// URL) one store.record() each, and prints the latency of each and the
 * process's peak memory as JSON.
 * Usage: node --import tsx store-timed-writer.ts DB PREFIX COUNT
 */
import { openStore } from '../../src/store/store.js';
import { twoBuildResult } from '../../test/helpers/records.js';

const [location, prefix, count] = process.argv.slice(2) as [string, string, string];
const store = await openStore(location, { lockStaleMs: 60_000, lockUpdateMs: 15_000, waitMs: 600_000, pollMs: 5 });
const latencies: number[] = [];
for (let i = 0; i < Number(count); i++) {
  const at = new Date().toISOString();
  const started = performance.now();
  await store.record([twoBuildResult(`${prefix}-${i}`, '1.0-1', at, [100, 110])]);
  latencies.push(performance.now() - started);
}
await store.close();
process.stdout.write(JSON.stringify({ latencies, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
