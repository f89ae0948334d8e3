import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpoolError } from '../../src/errors.js';
import { changesOn, digestEvent } from '../../src/notify/digest.js';
import { eventId } from '../../src/notify/events.js';
import { parseSubscriptions } from '../../src/notify/subscriptions.js';
import { isRegression, verdictEvents } from '../../src/notify/verdict-events.js';
import type { PastVerdict } from '../../src/store/history.js';
import type { StoreRecord } from '../../src/store/records.js';

const record = (
  verdict: 'reproducible' | 'unreproducible' | 'FTBFS' | 'timeout' | 'depwait',
  suite = 'unstable',
): Extract<StoreRecord, { kind: 'result' }> => ({
  kind: 'result',
  key: 'check archive/unstable/amd64/hello/2.10-3/2026-12-04T01:00:00.000Z',
  source: { name: 'hello', version: '2.10-3', suite, architecture: 'amd64' },
  verdict,
  buildDate: '2026-12-04T01:00:00.000Z',
  builds: [],
});

const check = (suite: string, verdict: string, buildDate: string): PastVerdict => ({
  journalId: buildDate,
  name: 'hello',
  version: '1.0',
  suite,
  architecture: 'amd64',
  verdict,
  detail: null,
  node1: null,
  node2: null,
  buildDate,
  category: null,
  reason: null,
  requester: null,
  notVaried: [],
  explanation: null,
  versusArchive: null,
  builds: [],
});

describe('notification events', () => {
  it("are the original's regressions: reproducible to unreproducible, FTBFS or timeout, unreproducible to FTBFS", () => {
    for (const now of ['unreproducible', 'FTBFS', 'timeout'] as const) assert.equal(isRegression('reproducible', now), true, now);
    assert.equal(isRegression('unreproducible', 'FTBFS'), true);
    assert.equal(isRegression('unreproducible', 'timeout'), false);
    assert.equal(isRegression('FTBFS', 'unreproducible'), false, 'a package that builds again did not regress');
    assert.equal(isRegression(undefined, 'FTBFS'), false, 'a first verdict is no regression');
    assert.equal(isRegression('depwait', 'FTBFS'), false);
  });

  it('only in the configured suites, with the same id however often the verdict is finished', () => {
    const settings = { regressionSuites: ['unstable'], subscriptions: new Map([['hello', ['maint@example.org']]]) };
    const [event] = verdictEvents(record('FTBFS'), { version: '2.10-2', verdict: 'reproducible' }, settings);
    assert.equal(event?.kind, 'regression');
    assert.equal(event?.summary, 'hello 2.10-3 in unstable/amd64: regressed from reproducible (2.10-2) to FTBFS');
    assert.deepEqual(event?.recipients, ['maint@example.org']);
    assert.equal(verdictEvents(record('FTBFS'), { version: '2.10-2', verdict: 'reproducible' }, settings)[0]?.id, event?.id);
    assert.deepEqual(verdictEvents(record('FTBFS', 'bookworm'), { version: '2.10-2', verdict: 'reproducible' }, settings), []);
    assert.notEqual(eventId('regression', 'a'), eventId('digest', 'a'));
    const manual = { ...record('reproducible'), scheduling: { category: 'manual', requester: 'holger', reason: 'please' } };
    assert.deepEqual(
      verdictEvents(manual, undefined, settings).map((e) => [e.kind, e.summary]),
      [['request-finished', 'hello 2.10-3 in unstable/amd64: reproducible (requested by holger)']],
    );
  });

  it("list a day's status changes per suite and architecture, leaving out those to or from depwait and E404", () => {
    const changes = changesOn(
      [
        check('trixie', 'reproducible', '2026-12-01T10:00:00.000Z'),
        check('sid', 'reproducible', '2026-12-02T09:00:00.000Z'),
        check('trixie', 'unreproducible', '2026-12-03T08:00:00.000Z'),
        check('sid', 'depwait', '2026-12-03T09:00:00.000Z'),
        check('sid', 'FTBFS', '2026-12-03T10:00:00.000Z'),
        check('trixie', 'unreproducible', '2026-12-03T11:00:00.000Z'),
        check('trixie', 'FTBFS', '2026-12-04T00:00:01.000Z'),
      ],
      '2026-12-03',
    );
    assert.deepEqual(
      changes.map((c) => `${c.suite} ${c.from} → ${c.to}`),
      ['trixie reproducible → unreproducible'],
    );
    const event = digestEvent('hello', '2026-12-03', changes, ['maint@example.org'], '2026-12-04T00:03:00.000Z');
    assert.equal(event.id, digestEvent('hello', '2026-12-03', [], [], 'later').id, 'one digest per package and day');
    assert.equal(event.summary, 'hello: 1 reproducibility status change on 2026-12-03');
  });

  it('take subscriptions from a file, refusing a line that is not a package and addresses', () => {
    const subscriptions = parseSubscriptions(
      'subs',
      '# who wants what\nhello maint@example.org  # the maintainer\nhello co@example.org\n\ncowsay a@example.org b@example.org\n',
    );
    assert.deepEqual(
      [...subscriptions],
      [
        ['hello', ['maint@example.org', 'co@example.org']],
        ['cowsay', ['a@example.org', 'b@example.org']],
      ],
    );
    for (const [text, message] of [
      ['hello\n', /^subs:1: hello: expected at least one address/],
      ['../x a@b\n', /^subs:1: "\.\.\/x": expected a Debian source package name/],
      ['hello a@b\nworld "x;rm -rf /"\n', /^subs:2: world: address "\\"x;rm": expected one word/],
    ] as const) {
      assert.throws(
        () => parseSubscriptions('subs', text),
        (e: unknown) => e instanceof SpoolError && e.kind === 'usage' && message.test(e.message),
      );
    }
  });
});
