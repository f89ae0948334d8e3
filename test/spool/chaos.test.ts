import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSpoolChaos } from '../helpers/spool-chaos.js';

describe('the spool under random kills and stalls', () => {
  it('keeps every entry in exactly one state and every acknowledged record, whatever is killed or stopped when', async () => {
    const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
    const report = await runSpoolChaos({ rounds: 4, entries: 40, opsPerRound: 45, parallel: 6, killRate: 0.25, stopRate: 0.06, seed });
    console.log(`spool chaos (seed ${seed}): ${JSON.stringify({ ...report, exitCodes: undefined })}`);
    assert.deepEqual(report.violations, [], `replay with CHAOS_SEED=${seed}`);
    assert.ok(report.kills > 0 && report.stops > 0, 'kills and stops happened');
  });
});
