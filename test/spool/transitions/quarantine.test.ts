import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { nodePlace } from '../../../src/spool/layout.js';
import { crashScenario } from '../../helpers/crash.js';
import { cli, census, id, sandbox, writeEntry } from '../../helpers/spool.js';

const inbox = nodePlace('node1');

describe('quarantine', () => {
  it('moves a corrupt entry met by claim aside with a reason file, and claims the rest', () => {
    const s = sandbox('quarantine');
    const bad = writeEntry(s.layout, inbox, id('bad'));
    fs.writeFileSync(bad, 'Source: bad\nVersion: 1.0-1\n');
    writeEntry(s.layout, inbox, id('good'));
    assert.equal(cli(s.root, ['claim', '--node', 'node1', '--max', '5']).status, 0);
    const [slot] = fs.readdirSync(s.layout.quarantineDir);
    const reason = fs.readFileSync(path.join(s.layout.quarantineDir, slot!, 'reason'), 'utf8');
    assert.match(reason, /^Original-Path: reproducible-builds\/node1\/bookworm\/amd64\/bad\/1\.0-1\nReason: corrupt entry: Suite is missing/);
    assert.equal(fs.readFileSync(path.join(s.layout.quarantineDir, slot!, 'item'), 'utf8'), 'Source: bad\nVersion: 1.0-1\n', 'kept as it was');
    assert.deepEqual([...census(s.layout).entries], [['bookworm/amd64/good_1.0-1', ['pending']]]);
  });
});

describe('quarantine crash safety', () => {
  crashScenario('quarantine', {
    faults: ['quarantine:after-reason'],
    setup: (s) => {
      fs.writeFileSync(writeEntry(s.layout, inbox, id('bad')), 'not: an entry\n');
      writeEntry(s.layout, inbox, id('good'));
    },
    crash: ['claim', '--node', 'node1', '--max', '5'],
    rerun: [['claim', '--node', 'node1', '--max', '5']],
    expectEntries: { 'bookworm/amd64/good_1.0-1': 'pending' },
    expectQuarantined: 1,
  });
});
