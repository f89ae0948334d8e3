/** Waiting in tests for something another process does: polls, and fails naming what never happened. */
import assert from 'node:assert/strict';
import { sleep } from '../../src/retry.js';

/** what may be a function, for a message that says more once the wait has failed (an agent's stderr…). */
export async function until(condition: () => boolean, what: string | (() => string), timeoutMs = 30_000, pollMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    assert.ok(Date.now() < deadline, `timed out waiting until ${typeof what === 'string' ? what : what()}`);
    await sleep(pollMs);
  }
}
