import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { retrying } from '../src/retry.js';

describe('the one retry loop', () => {
  it('spaces tries by doubling backoff and gives up with the last reason', async () => {
    const waits: number[] = [];
    const outcome = await retrying({ retries: 3, backoffMs: 100, sleep: async (ms) => void waits.push(ms) }, async (n) => ({ retry: `try ${n} failed` }));
    assert.deepEqual(outcome, { gaveUp: 'try 4 failed', attempts: 4, stopped: false });
    assert.deepEqual(waits, [100, 200, 400]);
  });

  it('returns the first value, counting the tries it took', async () => {
    const outcome = await retrying({ retries: 5, backoffMs: 1, sleep: async () => undefined }, async (n) =>
      n < 3 ? { retry: 'not yet' } : { value: `got it at ${n}` },
    );
    assert.deepEqual(outcome, { value: 'got it at 3', attempts: 3 });
  });

  it('leaves no listener on a long-lived stop signal once its waits are over (a job checks for hours with one)', async () => {
    const stop = new AbortController();
    for (let i = 0; i < 20; i++)
      await retrying({ retries: 2, backoffMs: 1, signal: stop.signal, sleep: async () => undefined }, async () => ({ retry: 'down' }));
    assert.equal(getEventListeners(stop.signal, 'abort').length, 0);
  });

  it('stops waiting and trying at once when told to stop', async () => {
    const stop = new AbortController();
    const started = Date.now();
    const outcome = retrying({ retries: 5, backoffMs: 60_000, signal: stop.signal }, async () => ({ retry: 'down' }));
    setTimeout(() => stop.abort(), 50);
    assert.deepEqual(await outcome, { gaveUp: 'stopped', attempts: 1, stopped: true });
    assert.ok(Date.now() - started < 5000, 'the minute-long backoff was cut short');
  });
});
