import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckVerdict } from '../../src/builder/check.js';
import { checkRepeatedly, stopBefore } from '../../src/cli/check-loop.js';
import type { Output } from '../../src/cli/output.js';
import { SpoolError } from '../../src/errors.js';

/** An Output that keeps what it was given, as JSON would print it. */
function recordingOutput(): Output & { lines: unknown[]; progressed: string[] } {
  const lines: unknown[] = [];
  const progressed: string[] = [];
  return {
    json: true,
    lines,
    progressed,
    result: () => assert.fail('a loop prints lines, not one result'),
    line: (data) => void lines.push(data),
    progress: (message) => void progressed.push(message),
  };
}

const verdictOf = (pkg: string) => ({ id: { pkg }, verdict: 'reproducible' }) as unknown as CheckVerdict;

/** A queue of packages checked in order, each check taking `checkMs` of a clock the test moves. */
function fakeQueue(pkgs: string[], checkMs: number, onCheck: (n: number) => void = () => {}) {
  let nowMs = 1_000_000;
  let n = 0;
  return {
    monotonicMs: () => nowMs,
    checkOnce: async () => {
      const pkg = pkgs[n];
      if (pkg === undefined) return undefined;
      onCheck(++n);
      nowMs += checkMs;
      return verdictOf(pkg);
    },
    get started() {
      return n;
    },
  };
}

describe('stopBefore', () => {
  it('stops for a signal first, then the count, then the time, and otherwise goes on', () => {
    assert.equal(stopBefore({ maxChecks: 5, forMs: 1000 }, 5, 2000, true), 'signal');
    assert.equal(stopBefore({ maxChecks: 5, forMs: 1000 }, 5, 2000, false), 'max-checks');
    assert.equal(stopBefore({ maxChecks: 5, forMs: 1000 }, 4, 1000, false), 'time-up');
    assert.equal(stopBefore({ maxChecks: 5, forMs: 1000 }, 4, 999, false), undefined);
    assert.equal(stopBefore({ maxChecks: Infinity }, 1e6, 1e12, false), undefined, 'no time limit without --for');
  });
});

describe('checkRepeatedly', () => {
  const describeVerdict = (v: CheckVerdict) => v.id.pkg;

  it('prints each verdict as a line and stops when the queue is empty, with a summary line', async () => {
    const out = recordingOutput();
    const queue = fakeQueue(['a', 'b', 'c'], 40_000);
    const summary = await checkRepeatedly(out, { maxChecks: Infinity }, new AbortController().signal, queue.checkOnce, describeVerdict, 'x', queue.monotonicMs);
    assert.deepEqual(summary, { checks: 3, stopped: 'queue-empty', seconds: 120 });
    assert.deepEqual(
      out.lines.map((l) => (l as { id?: { pkg: string } }).id?.pkg ?? l),
      ['a', 'b', 'c', summary],
    );
    assert.deepEqual(out.progressed, ['3 checks in 120.0 s; stopped: queue-empty']);
  });

  it('is exit 3 (nothing to do) when the first check finds nothing', async () => {
    const out = recordingOutput();
    const queue = fakeQueue([], 1);
    await assert.rejects(
      checkRepeatedly(out, { maxChecks: 3 }, new AbortController().signal, queue.checkOnce, describeVerdict, 'nothing scheduled for amd64', queue.monotonicMs),
      (error: unknown) => error instanceof SpoolError && error.kind === 'nothingToDo' && /nothing scheduled for amd64/.test(error.message),
    );
    assert.deepEqual(out.lines, []);
  });

  it('starts no check once --for has passed, but never cuts one short', async () => {
    const out = recordingOutput();
    const queue = fakeQueue(['a', 'b', 'c', 'd', 'e'], 40_000);
    const summary = await checkRepeatedly(
      out,
      { maxChecks: Infinity, forMs: 100_000 },
      new AbortController().signal,
      queue.checkOnce,
      describeVerdict,
      'x',
      queue.monotonicMs,
    );
    // Checks start at 0, 40 and 80 s; the third ends at 120 s, past the limit, and none starts after it.
    assert.deepEqual(summary, { checks: 3, stopped: 'time-up', seconds: 120 });
    assert.equal(queue.started, 3);
  });

  it('stops at --max-checks with the rest of the queue untouched', async () => {
    const out = recordingOutput();
    const queue = fakeQueue(['a', 'b', 'c'], 10);
    const summary = await checkRepeatedly(out, { maxChecks: 2 }, new AbortController().signal, queue.checkOnce, describeVerdict, 'x', queue.monotonicMs);
    assert.equal(summary.stopped, 'max-checks');
    assert.equal(queue.started, 2);
  });

  it('starts no check after a signal that came during one', async () => {
    const out = recordingOutput();
    const controller = new AbortController();
    const queue = fakeQueue(['a', 'b', 'c'], 10, (n) => n === 2 && controller.abort());
    const summary = await checkRepeatedly(out, { maxChecks: Infinity }, controller.signal, queue.checkOnce, describeVerdict, 'x', queue.monotonicMs);
    assert.deepEqual([summary.checks, summary.stopped, queue.started], [2, 'signal', 2]);
  });

  it("ends with a failing check's error, the verdicts before it printed", async () => {
    const out = recordingOutput();
    let n = 0;
    const checkOnce = async () => {
      if (++n === 2) throw new SpoolError('unreachable', 'node2 is unreachable');
      return verdictOf('a');
    };
    await assert.rejects(
      checkRepeatedly(out, { maxChecks: Infinity }, new AbortController().signal, checkOnce, describeVerdict, 'x'),
      (error: unknown) => error instanceof SpoolError && error.kind === 'unreachable',
    );
    assert.equal(out.lines.length, 1);
  });
});
