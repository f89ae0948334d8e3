import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SCHEDULED } from '../../src/spool/layout.js';
import { cli, fromJson, id, sandbox, writeEntry } from '../helpers/spool.js';

describe('status', () => {
  it('warns when the embedded reproducible.db nears a second per commit, and says what to do', () => {
    const s = sandbox('status-size');
    const quiet = fromJson(cli(s.root, ['--json', 'status']).stdout);
    assert.equal(quiet.databaseWarning, undefined, 'no warning for a small database');
    fs.writeFileSync(path.join(s.root, 'reproducible.db'), '');
    fs.truncateSync(path.join(s.root, 'reproducible.db'), 260 * 1024 * 1024); // sparse: the size is what status looks at
    const json = fromJson<{ databaseWarning: string }>(cli(s.root, ['--json', 'status']).stdout);
    assert.match(json.databaseWarning, /reproducible\.db is 260 MB: every commit rewrites it whole, about a second each at 280 MB\. .*db fold.*db migrate/);
    const human = cli(s.root, ['status']);
    assert.equal(human.status, 0);
    assert.match(human.stdout, /WARNING: .*reproducible\.db is 260 MB/);
  });

  it('shows the queue per suite/arch and category', () => {
    const s = sandbox('status-queue');
    writeEntry(s.layout, SCHEDULED, id('aa'), { Category: 'new' });
    writeEntry(s.layout, SCHEDULED, id('bb'), { Category: 'untested' });
    writeEntry(s.layout, SCHEDULED, id('cc'), { Category: 'untested' });
    writeEntry(s.layout, SCHEDULED, id('dd'));
    writeEntry(s.layout, SCHEDULED, id('ee', '1.0-1', 'trixie'), { Category: 'manual' });
    const json = fromJson<{ queue: unknown }>(cli(s.root, ['--json', 'status']).stdout);
    assert.deepEqual(json.queue, { 'bookworm/amd64': { untested: 2, new: 1, none: 1 }, 'trixie/amd64': { manual: 1 } });
    assert.match(cli(s.root, ['status']).stdout, /queue bookworm\/amd64: untested 2, new 1, none 1\n {2}queue trixie\/amd64: manual 1/);
  });
});
