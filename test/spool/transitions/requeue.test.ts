import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { FAILED, PENDING, SCHEDULED, nodePlace } from '../../../src/spool/layout.js';
import { crashScenario } from '../../helpers/crash.js';
import { cli, census, id, sandbox, writeEntry } from '../../helpers/spool.js';
import { fromJson } from '../../helpers/spool.js';

const back = (pkg: string) => ['requeue', pkg, '1.0-1', '--suite', 'bookworm', '--arch', 'amd64', '--reason', 'node rebooted'];

describe('requeue', () => {
  it('hands a pending entry back to the inbox it came from with Attempt+1 and the reason', () => {
    const s = sandbox('requeue');
    writeEntry(s.layout, PENDING, id('hello'));
    assert.equal(cli(s.root, back('hello')).status, 0);
    const text = fs.readFileSync(s.layout.entryPath(nodePlace('node1'), id('hello')), 'utf8');
    assert.match(text, /Attempt: 2\n/);
    assert.match(text, /Last-Failure: node rebooted\n/);
  });

  it('hands a main outbox entry back to scheduled/ without its Node, Job and Build-Number', () => {
    const s = sandbox('requeue-main');
    writeEntry(s.layout, nodePlace('node2'), id('hello'), { Job: 'job1', 'Build-Number': '2' });
    assert.equal(cli(s.root, back('hello')).status, 0);
    const text = fs.readFileSync(s.layout.entryPath(SCHEDULED, id('hello')), 'utf8');
    assert.doesNotMatch(text, /Node:|Job:|Build-Number:/);
  });

  it('on a node, leaves an inbox entry in the inbox (exit 3) instead of sending it to scheduled/, which only main has', () => {
    const s = sandbox('requeue-node');
    writeEntry(s.layout, nodePlace('node1'), id('hello'), { 'Build-Number': '1' });
    for (const how of [['--node', 'node1'], []]) {
      const result = cli(s.root, [...back('hello'), ...how], { REPRO_SPOOL_NODE: 'node1' });
      assert.equal(result.status, 3, result.stderr);
      assert.match(result.stderr, /is in node1's inbox, already waiting for its build: nothing to requeue/);
    }
    assert.deepEqual([...census(s.layout).entries], [['bookworm/amd64/hello_1.0-1', ['node1']]]);
    assert.equal(fs.existsSync(s.layout.placeDir(SCHEDULED)), false, 'no scheduled/ on a node');
  });

  it('moves the entry to failed/ once maxAttempts is used up', () => {
    const s = sandbox('requeue-fail');
    writeEntry(s.layout, PENDING, id('hello'), { Attempt: '3' });
    const result = cli(s.root, ['--json', ...back('hello')]);
    assert.equal(fromJson(result.stdout).to, 'failed');
    assert.ok(fs.existsSync(s.layout.entryPath(FAILED, id('hello'))));
    assert.deepEqual([...census(s.layout).entries], [['bookworm/amd64/hello_1.0-1', ['failed']]]);
  });
});

describe('requeue crash safety', () => {
  crashScenario('requeue', {
    faults: ['requeue:after-temp', 'requeue:after-link', 'requeue:after-write', 'requeue:after-unlink'],
    setup: (s) => ['aa', 'bb'].forEach((p) => writeEntry(s.layout, PENDING, id(p))),
    crash: back('aa'),
    rerun: [],
    expectEntries: { 'bookworm/amd64/aa_1.0-1': 'node1', 'bookworm/amd64/bb_1.0-1': 'pending' },
  });
});
