import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCheckChaos } from '../helpers/check-chaos.js';
import { type Mirror, startMirror } from '../helpers/mirror.js';
import { type TestSshd, startSshd } from '../helpers/sshd.js';

const PACKAGES = Array.from({ length: 10 }, (_, i) => `chaos${i}`);
let mirror: Mirror;
const nodes: TestSshd[] = [];
before(async () => {
  mirror = await startMirror(
    PACKAGES.map((name, i) => ({ name, version: '1.0', build: [...(i % 2 ? ['sleep 1'] : []), 'mkdir -p out', `echo ${name} > out/data`] })),
  );
  nodes.push(await startSshd(), await startSshd());
});
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await mirror.close();
});

describe('checks under random faults', () => {
  it('end with exactly one verdict or one failed/ entry per package, and nothing left anywhere', async () => {
    const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
    const report = await runCheckChaos({ mirror, nodes: [nodes[0]!, nodes[1]!], packages: PACKAGES, jobs: 3, chaosSeconds: 40, faultEveryMs: 1500, seed });
    console.log(`check chaos (seed ${seed}): ${JSON.stringify(report)}`);
    assert.deepEqual(report.violations, [], `replay with CHAOS_SEED=${seed}`);
    assert.equal(report.verdicts + report.failed, PACKAGES.length);
  });
});
