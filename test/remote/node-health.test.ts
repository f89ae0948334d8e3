import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { NodeUnreachableError, SpoolError } from '../../src/errors.js';
import { assertUsable, listHealth, readHealth, recordFailure, recordSuccess, tracked } from '../../src/remote/node-health.js';
import { openSpool } from '../../src/spool/spool.js';
import { PROJECT, sandbox } from '../helpers/spool.js';

const settings = { offlineAfterFailures: 3, recheckMs: 60_000 };

describe('node health on the main node', () => {
  it('turns a node offline at the threshold-th consecutive failure, keeps it out until the recheck is due, and forgets it on success', () => {
    const s = sandbox('health');
    let now = Date.parse('2026-11-25T03:00:00Z');
    const spool = openSpool(s.root, {}, { now: () => now });
    recordFailure(spool, 'node2', 'ssh: connect to host 127.0.0.1 port 2222: Connection refused', settings);
    now += 1000;
    recordFailure(spool, 'node2', 'timed out\nafter 5 s', settings);
    assert.equal(readHealth(spool, 'node2', settings)?.offlineSince, undefined, 'two failures are not yet offline');
    assert.doesNotThrow(() => assertUsable(spool, 'node2', settings));
    now += 1000;
    const health = recordFailure(spool, 'node2', 'Connection refused', settings);
    assert.deepEqual(health, {
      node: 'node2',
      failures: 3,
      lastFailure: 'Connection refused',
      lastFailureAt: '2026-11-25T03:00:02.000Z',
      offlineSince: '2026-11-25T03:00:02.000Z',
    });
    assert.match(
      fs.readFileSync(path.join(s.root, 'node-health', 'node2'), 'utf8'),
      /^2026-11-25T03:00:01.000Z timed out after 5 s$/m,
      'one readable line per failure',
    );
    assert.throws(
      () => assertUsable(spool, 'node2', settings),
      /node node2 is offline since 2026-11-25T03:00:02.000Z \(3 failures, last: Connection refused\); next try after 2026-11-25T03:01:02.000Z/,
    );
    now += 60_000;
    assert.doesNotThrow(() => assertUsable(spool, 'node2', settings), 'due for its recheck');
    recordSuccess(spool, 'node2', settings);
    assert.deepEqual(listHealth(spool, settings), []);
  });

  it('spools one event when a node goes offline however often it fails after, and one when it is back', () => {
    const s = sandbox('health-events');
    let now = Date.parse('2026-11-25T03:00:00Z');
    const spool = openSpool(s.root, {}, { now: () => now });
    const withEvents = { ...settings, events: true };
    for (let i = 0; i < 6; i++, now += 1000) recordFailure(spool, 'node2', 'Connection refused', withEvents);
    const pending = () =>
      fs
        .readdirSync(spool.layout.eventsDir('pending'))
        .map((f) => JSON.parse(fs.readFileSync(path.join(spool.layout.eventsDir('pending'), f), 'utf8')) as { kind: string; summary: string });
    assert.deepEqual(
      pending().map((e) => e.kind),
      ['node-offline'],
    );
    assert.match(pending()[0]!.summary, /^node node2 is offline since 2026-11-25T03:00:02.000Z/);
    recordSuccess(spool, 'node2', withEvents);
    recordSuccess(spool, 'node2', withEvents);
    assert.deepEqual(
      pending()
        .map((e) => e.kind)
        .sort(),
      ['node-offline', 'node-online'],
    );
  });

  it('counts a failure by its type and node, never by the wording of its message', async () => {
    const spool = openSpool(sandbox('health-types').root);
    const failWith = (error: Error) => tracked(spool, 'node1', settings, () => Promise.reject(error)).catch(() => undefined);
    await failWith(new SpoolError('unreachable', 'node node1 cannot reach its mirror')); // the mirror, not the node
    await failWith(new NodeUnreachableError('node2', 'node node1 is mentioned, node2 failed'));
    await failWith(new SpoolError('failed', 'node node1 build exited 2'));
    assert.equal(readHealth(spool, 'node1', settings), undefined);
    await failWith(new NodeUnreachableError('node1', 'connection refused, however it is worded'));
    assert.equal(readHealth(spool, 'node1', settings)?.failures, 1);
  });

  it('counts every failure when eight jobs fail on the same node at once', async () => {
    const s = sandbox('health-race');
    const writers = Array.from(
      { length: 8 },
      () =>
        new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT, 'test/helpers/health-writer.ts'), s.root, 'node1', '25'], {
            cwd: PROJECT,
            stdio: 'inherit',
          });
          child.on('exit', resolve);
        }),
    );
    assert.deepEqual(await Promise.all(writers), Array(8).fill(0));
    const health = readHealth(openSpool(s.root), 'node1', settings);
    assert.equal(health?.failures, 200, 'no failure lost to a concurrent writer');
    assert.ok(health?.offlineSince);
  });
});
