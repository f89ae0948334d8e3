/**
 * The long version of the spool's randomized crash test (test/spool/chaos.test.ts): many
 * rounds of concurrent pick/claim/complete/requeue/reap and database writers, with random
 * SIGKILLs and SIGSTOPs past the stale time, each run checked as the test checks it.
 * Prints one JSON line per run and exits 1 if any run broke the promise.
 * Usage: node --import tsx scripts/soak/spool.ts [RUNS] [ROUNDS] [FIRST_SEED]
 */
import { runSpoolChaos } from '../../test/helpers/spool-chaos.js';

const runs = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 10);
const firstSeed = Number(process.argv[4] ?? 1);
const totals = { operations: 0, kills: 0, stops: 0, acknowledgedRecords: 0, violations: 0, seconds: 0 };
for (let seed = firstSeed; seed < firstSeed + runs; seed++) {
  const report = await runSpoolChaos({ rounds, entries: 60, opsPerRound: 50, parallel: 8, killRate: 0.3, stopRate: 0.08, seed });
  console.log(JSON.stringify({ seed, ...report }));
  for (const key of ['operations', 'kills', 'stops', 'acknowledgedRecords', 'seconds'] as const) totals[key] += report[key];
  totals.violations += report.violations.length;
}
console.log(JSON.stringify({ runs, rounds, ...totals }));
process.exitCode = totals.violations > 0 ? 1 : 0;
