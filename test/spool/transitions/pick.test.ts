import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { SCHEDULED, nodePlace } from '../../../src/spool/layout.js';
import { crashScenario } from '../../helpers/crash.js';
import { census, cli, cliAsync, id, sandbox, writeEntry } from '../../helpers/spool.js';
import { fromJson } from '../../helpers/spool.js';

describe('pick', () => {
  it('moves one scheduled entry of the asked architecture into the node outbox, marked with Node and Job', () => {
    const s = sandbox('pick');
    writeEntry(s.layout, SCHEDULED, id('hello', '1:2.10-3', 'bookworm', 'armhf'));
    writeEntry(s.layout, SCHEDULED, id('world', '1.0-1', 'bookworm', 'amd64'));
    const picked = cli(s.root, ['--json', 'pick', '--node', 'node1', '--arch', 'armhf', '--job', 'reproducible_build_armhf_1']);
    assert.equal(picked.status, 0, picked.stderr);
    assert.equal(fromJson(picked.stdout).pkg, 'hello');
    const text = fs.readFileSync(s.layout.entryPath(nodePlace('node1'), id('hello', '1:2.10-3', 'bookworm', 'armhf')), 'utf8');
    assert.match(text, /Node: node1\nBuild-Number: 1\nJob: reproducible_build_armhf_1\n/);
    assert.equal(cli(s.root, ['pick', '--node', 'node1', '--arch', 'armhf']).status, 3, 'nothing more for armhf');
  });
});

describe('pick crash safety', () => {
  crashScenario('pick', {
    faults: ['pick:after-lock', 'pick:after-temp', 'pick:after-link', 'pick:after-write', 'pick:after-unlink'],
    setup: (s) => writeEntry(s.layout, SCHEDULED, id('hello')),
    crash: ['pick', '--node', 'node1', '--job', 'job1'],
    rerun: [['pick', '--node', 'node1', '--job', 'job1']],
    expectEntries: { 'bookworm/amd64/hello_1.0-1': 'node1' },
  });
});

describe('pick order', () => {
  it('takes the highest Priority first, then the longest waiting', () => {
    const s = sandbox('pick-order');
    writeEntry(s.layout, SCHEDULED, id('aa'), { Priority: '0', Scheduled: '2026-01-01T00:00:00Z' });
    writeEntry(s.layout, SCHEDULED, id('bb'), { Priority: '10', Scheduled: '2026-01-03T00:00:00Z' });
    writeEntry(s.layout, SCHEDULED, id('cc'), { Priority: '10', Scheduled: '2026-01-02T00:00:00Z' });
    const order = [1, 2, 3].map(() => fromJson<{ pkg: string }>(cli(s.root, ['--json', 'pick', '--node', 'node1']).stdout).pkg);
    assert.deepEqual(order, ['cc', 'bb', 'aa']);
  });
});

describe('racing pickers', () => {
  it('8 processes picking over 120 scheduled entries pick each exactly once', async () => {
    const s = sandbox('pick-race');
    for (let i = 0; i < 120; i++) writeEntry(s.layout, SCHEDULED, id(`pkg${i}`));
    const picked: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, n) => {
        for (;;) {
          const r = await cliAsync(s.root, ['--json', 'pick', '--node', `node${n % 2 ? 1 : 2}`]);
          if (r.status === 3) return;
          assert.equal(r.status, 0, r.stderr);
          picked.push(fromJson<{ pkg: string }>(r.stdout).pkg);
        }
      }),
    );
    assert.equal(picked.length, 120);
    assert.equal(new Set(picked).size, 120);
    const after = census(s.layout);
    assert.ok([...after.entries.values()].every((where) => where.length === 1 && where[0]!.startsWith('node')));
  });
});
