import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PENDING } from '../../../src/spool/layout.js';
import { crashScenario } from '../../helpers/crash.js';
import { cli, census, id, sandbox, writeEntry } from '../../helpers/spool.js';

const done = (pkg: string) => ['complete', pkg, '1.0-1', '--suite', 'bookworm', '--arch', 'amd64'];

describe('complete', () => {
  it('renames a finished results directory into place, result marker included, and removes the pending entry', () => {
    const s = sandbox('complete');
    writeEntry(s.layout, PENDING, id('hello'));
    const result = cli(s.root, [...done('hello'), '--status', 'FTBFS']);
    assert.equal(result.status, 0, result.stderr);
    const dir = s.layout.resultsPath('node1', id('hello'));
    assert.match(fs.readFileSync(path.join(dir, 'result'), 'utf8'), /Node: node1\nStatus: FTBFS\n/);
    assert.match(fs.readFileSync(path.join(dir, 'entry'), 'utf8'), /^Source: hello\n/);
    assert.equal(census(s.layout).entries.size, 0);
  });

  it('refuses to replace existing results; the pending entry and the old results both survive', () => {
    const s = sandbox('complete-dup');
    writeEntry(s.layout, PENDING, id('hello'));
    const old = s.layout.resultsPath('node1', id('hello'));
    fs.mkdirSync(old, { recursive: true });
    fs.writeFileSync(path.join(old, 'result'), 'Status: built\n');
    const result = cli(s.root, done('hello'));
    assert.equal(result.status, 1);
    assert.match(result.stderr, /results for bookworm\/amd64\/hello\/1\.0-1 already exist .*refusing to replace them/);
    assert.equal(fs.readFileSync(path.join(old, 'result'), 'utf8'), 'Status: built\n');
    assert.deepEqual([...census(s.layout).entries], [['bookworm/amd64/hello_1.0-1', ['pending']]]);
  });

  it('rejects a status outside the build status union with exit 2', () => {
    const s = sandbox('complete-status');
    writeEntry(s.layout, PENDING, id('hello'));
    const result = cli(s.root, [...done('hello'), '--status', 'great']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /Allowed choices are built, FTBFS/);
  });
});

describe('complete crash safety', () => {
  crashScenario('complete', {
    faults: ['complete:after-temp', 'complete:after-rename', 'complete:after-unlink'],
    setup: (s) => ['aa', 'bb'].forEach((p) => writeEntry(s.layout, PENDING, id(p))),
    crash: done('aa'),
    rerun: [['claim', '--node', 'node1', '--max', '10'], done('aa')],
    expectEntries: { 'bookworm/amd64/bb_1.0-1': 'pending' },
    expectResults: ['bookworm/amd64/aa_1.0-1'],
  });
});
