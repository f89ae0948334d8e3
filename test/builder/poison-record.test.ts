import { ALL_VARIED } from '../../src/builder/variations.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { type NodeRunner, checkNext } from '../../src/builder/check.js';
import { SpoolError } from '../../src/errors.js';
import { SCHEDULED } from '../../src/spool/layout.js';
import { RECORD_FILE, VERDICT_FILE, checkDir, formatVerdict } from '../../src/archive/format.js';
import { openSpool } from '../../src/spool/spool.js';
import { FileStore } from '../../src/store/file-store.js';
import { census, id, sandbox, writeEntry } from '../helpers/spool.js';

/** Nodes that must never be asked to build: a concluded check is only finished, never built again. */
const neverBuilds = (node: string): NodeRunner => ({
  node,
  clearLeftovers: () => Promise.resolve(),
  build: () => Promise.reject(new Error(`${node} was asked to build a concluded check`)),
});

describe('a concluded check whose archived record no store takes (archived by an older version)', () => {
  it('counts an attempt each time (exit 5), so the entry ends in failed/ instead of coming back for ever', async () => {
    const s = sandbox('poison');
    const spool = openSpool(s.root, { maxAttempts: 3 });
    const scheduled = '2026-11-30T10:00:00.000Z';
    const entry = id('hello');
    writeEntry(spool.layout, SCHEDULED, entry, { Scheduled: scheduled, 'Last-Failure': 'check failed: killed after its verdict' });
    const archive = checkDir(spool.layout, entry, '2026-11-30T11:00:00.000Z');
    fs.mkdirSync(archive, { recursive: true });
    fs.writeFileSync(
      path.join(archive, VERDICT_FILE),
      formatVerdict({ source: 'hello', version: '1.0-1', suite: 'bookworm', architecture: 'amd64', verdict: 'reproducible', scheduled, date: scheduled }),
    );
    const poison = { kind: 'result', source: { name: 'hello', version: '1.0-1', suite: 'bookworm', architecture: 'amd64' }, verdict: 'bogus' };
    fs.writeFileSync(path.join(archive, RECORD_FILE), JSON.stringify({ ...poison, buildDate: scheduled, builds: [] }));
    const store = new FileStore(path.join(s.root, 'reproducible.db'), { lockStaleMs: 10_000, lockUpdateMs: 2_000, waitMs: 10_000, pollMs: 5 });
    const settings = { store, job: 'job1', diffoscope: { timeoutMs: 1000, maxReportBytes: 1024, killGraceMs: 100 }, varied: ALL_VARIED, explainMaxBuilds: 24 };
    const runners = [neverBuilds('node1'), neverBuilds('node2')] as const;
    for (let attempt = 1; attempt <= 3; attempt++) {
      await assert.rejects(
        checkNext(spool, settings, runners, {}),
        (error: unknown) => error instanceof SpoolError && error.kind === 'integrity' && /record\.json is not a record: verdict/.test(error.message),
      );
    }
    assert.deepEqual([...census(spool.layout).entries.values()], [['failed']], 'in failed/ after its 3 attempts');
    assert.equal(await checkNext(spool, settings, runners, {}), undefined, 'nothing left to check');
  });
});
