/**
 * The long version of the checks' randomized fault test (test/remote/chaos.test.ts):
 * concurrent jobs on two real sshd nodes under random kills of jobs, node builds and
 * sshd and SIGSTOPs past the stale time, then reaped, drained and checked, run after run.
 * Prints one JSON line per run and exits 1 if any run broke the promise.
 * Usage: node --import tsx scripts/soak/checks.ts [RUNS] [CHAOS_SECONDS] [FIRST_SEED]
 */
import { runCheckChaos } from '../../test/helpers/check-chaos.js';
import { startMirror } from '../../test/helpers/mirror.js';
import { startSshd } from '../../test/helpers/sshd.js';

const runs = Number(process.argv[2] ?? 3);
const chaosSeconds = Number(process.argv[3] ?? 120);
const firstSeed = Number(process.argv[4] ?? 1);
const packages = Array.from({ length: 30 }, (_, i) => `soak${i}`);
const mirror = await startMirror(
  packages.map((name, i) => ({ name, version: '1.0', build: [...(i % 3 ? ['sleep 1'] : []), 'mkdir -p out', `echo ${name} > out/data`] })),
);
const nodes = [await startSshd(), await startSshd()] as const;
let broken = 0;
try {
  for (let seed = firstSeed; seed < firstSeed + runs; seed++) {
    const report = await runCheckChaos({ mirror, nodes, packages, jobs: 4, chaosSeconds, faultEveryMs: 1500, seed });
    console.log(JSON.stringify({ seed, ...report }));
    broken += report.violations.length > 0 ? 1 : 0;
  }
} finally {
  await Promise.all(nodes.map((n) => n.stop()));
  await mirror.close();
}
process.exitCode = broken > 0 ? 1 : 0;
