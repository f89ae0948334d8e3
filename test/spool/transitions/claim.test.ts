import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { nodePlace } from '../../../src/spool/layout.js';
import { crashScenario } from '../../helpers/crash.js';
import { cli, cliAsync, census, id, sandbox, writeEntry } from '../../helpers/spool.js';
import { fromJson } from '../../helpers/spool.js';

const inbox = nodePlace('node1');

describe('claim', () => {
  it('moves inbox entries to pending/ and says 3 when there is nothing to claim', () => {
    const s = sandbox('claim');
    writeEntry(s.layout, inbox, id('hello', '1:2.10-3'));
    const claimed = cli(s.root, ['--json', 'claim', '--node', 'node1']);
    assert.equal(claimed.status, 0, claimed.stderr);
    assert.deepEqual(
      fromJson<Array<{ pkg: string }>>(claimed.stdout).map((c) => c.pkg),
      ['hello'],
    );
    assert.deepEqual([...census(s.layout).entries], [['bookworm/amd64/hello_1:2.10-3', ['pending']]]);
    const empty = cli(s.root, ['claim', '--node', 'node1']);
    assert.equal(empty.status, 3);
    assert.match(empty.stderr, /node1's inbox has nothing to claim/);
  });

  it('lets 8 racing claimer processes over 2,000 entries claim each exactly once', async () => {
    const s = sandbox('race');
    const names = Array.from({ length: 2000 }, (_, i) => `pkg${i}`);
    for (const name of names) writeEntry(s.layout, inbox, id(name));
    const runs = await Promise.all(Array.from({ length: 8 }, () => cliAsync(s.root, ['--json', 'claim', '--node', 'node1', '--max', '100000'])));
    const claimed = runs.flatMap((r) => {
      assert.ok(r.status === 0 || r.status === 3, r.stderr);
      return r.status === 0 ? (JSON.parse(r.stdout) as Array<{ pkg: string }>).map((c) => c.pkg) : [];
    });
    assert.equal(claimed.length, 2000, 'no entry claimed twice, none missed');
    assert.deepEqual(new Set(claimed), new Set(names));
    assert.ok(runs.filter((r) => r.status === 0).length > 1, 'several claimers really competed');
    const after = census(s.layout);
    assert.equal(after.entries.size, 2000);
    assert.ok([...after.entries.values()].every((where) => where.length === 1 && where[0] === 'pending'));
    assert.deepEqual(after.locks, []);
  });
});

describe('claim crash safety', () => {
  crashScenario('claim', {
    faults: ['claim:after-lock', 'claim:after-link', 'claim:after-unlink'],
    setup: (s) => ['aa', 'bb', 'cc'].forEach((p) => writeEntry(s.layout, inbox, id(p))),
    crash: ['claim', '--node', 'node1', '--max', '10'],
    rerun: [['claim', '--node', 'node1', '--max', '10']],
    expectEntries: { 'bookworm/amd64/aa_1.0-1': 'pending', 'bookworm/amd64/bb_1.0-1': 'pending', 'bookworm/amd64/cc_1.0-1': 'pending' },
  });
});

describe('claim onto an existing entry', () => {
  it('refuses and reports it, keeps both copies, and claims the rest', () => {
    const s = sandbox('claim-conflict');
    const building = writeEntry(s.layout, { state: 'pending' }, id('hello'), { 'X-Copy': 'building' });
    writeEntry(s.layout, inbox, id('hello'), { 'X-Copy': 'arrived' });
    writeEntry(s.layout, inbox, id('world'));
    const result = cli(s.root, ['--json', 'claim', '--node', 'node1', '--max', '10']);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(
      fromJson<Array<{ pkg: string }>>(result.stdout).map((c) => c.pkg),
      ['world'],
    );
    assert.match(result.stderr, /skipped: refusing to overwrite .*pending\/bookworm\/amd64\/hello\/1\.0-1: it already exists/);
    assert.match(fs.readFileSync(building, 'utf8'), /X-Copy: building/);
    assert.deepEqual(census(s.layout).entries.get('bookworm/amd64/hello_1.0-1')?.sort(), ['node1', 'pending']);
  });
});
