import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { SCHEDULED, nodePlace } from '../../../src/spool/layout.js';
import { crashScenario } from '../../helpers/crash.js';
import { SHA, cli, cliAsync, census, id, sandbox, writeEntry } from '../../helpers/spool.js';

const args = (pkg: string, version = '1.0-1') => ['enqueue', pkg, version, '--suite', 'bookworm', '--arch', 'amd64', '--dsc-sha256', SHA];

describe('enqueue', () => {
  it('writes a complete entry into scheduled/, or into a node inbox with --node', () => {
    const s = sandbox('enqueue');
    assert.equal(cli(s.root, args('hello', '1:2.10-3')).status, 0);
    assert.equal(cli(s.root, [...args('world'), '--node', 'node1', '--field', 'X-Priority=7']).status, 0);
    const hello = fs.readFileSync(s.layout.entryPath(SCHEDULED, id('hello', '1:2.10-3')), 'utf8');
    assert.match(hello, /^Source: hello\nVersion: 1:2\.10-3\n/);
    const world = fs.readFileSync(s.layout.entryPath(nodePlace('node1'), id('world')), 'utf8');
    assert.match(world, /X-Priority: 7\nNode: node1\n/);
  });

  it('refuses an entry that already exists in any state, and both copies survive', () => {
    const s = sandbox('enqueue-dup');
    const pending = writeEntry(s.layout, { state: 'pending' }, id('hello'));
    const before = fs.readFileSync(pending, 'utf8');
    const again = cli(s.root, args('hello'));
    assert.equal(again.status, 1);
    assert.match(again.stderr, /bookworm\/amd64\/hello\/1\.0-1 is already in pending: refusing to enqueue it twice/);
    assert.equal(fs.readFileSync(pending, 'utf8'), before);
    assert.deepEqual([...census(s.layout).entries], [['bookworm/amd64/hello_1.0-1', ['pending']]]);
  });
});

describe('enqueue crash safety', () => {
  crashScenario('enqueue', {
    faults: ['enqueue:after-lock', 'enqueue:after-temp', 'enqueue:after-link'],
    setup: (s) => writeEntry(s.layout, SCHEDULED, id('other')),
    crash: args('hello'),
    rerun: [args('hello')],
    expectEntries: { 'bookworm/amd64/hello_1.0-1': 'scheduled', 'bookworm/amd64/other_1.0-1': 'scheduled' },
  });
});

describe('racing enqueuers', () => {
  it('of 8 processes enqueuing the same entry, exactly one writes it and the others are told it exists or is busy', async () => {
    const s = sandbox('enqueue-race');
    const runs = await Promise.all(Array.from({ length: 8 }, () => cliAsync(s.root, args('hello'))));
    const codes = runs.map((r) => r.status).sort();
    assert.equal(codes.filter((c) => c === 0).length, 1, `exit codes ${codes.join(',')}`);
    assert.ok(
      codes.every((c) => c === 0 || c === 1 || c === 4),
      `only ok, already there or busy: ${codes.join(',')}`,
    );
    assert.deepEqual([...census(s.layout).entries], [['bookworm/amd64/hello_1.0-1', ['scheduled']]]);
    assert.deepEqual(census(s.layout).temps, []);
  });
});
