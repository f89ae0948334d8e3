import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { backupName, expiredBackups } from '../../src/store/backups.js';
import { FileStore } from '../../src/store/file-store.js';
import { twoBuildResult } from '../helpers/records.js';
import { cli, fromJson, sandbox } from '../helpers/spool.js';

const SETTINGS = { lockStaleMs: 10_000, lockUpdateMs: 2_000, waitMs: 10_000, pollMs: 5 };
const AT = '2026-11-25T00:00:00.000Z';

const names = (store: FileStore) => store.read(async (db) => (await db.all<{ name: string }>('SELECT name FROM results ORDER BY name')).map((r) => r.name));

describe('db backup and db restore of the embedded reproducible.db', () => {
  it('snapshot what was committed into $ROOT/backups as a file SQLite opens, and put it back, refusing what is not a backup', async () => {
    const s = sandbox('backup');
    const store = new FileStore(path.join(s.root, 'reproducible.db'), SETTINGS);
    await store.record(['aa', 'bb', 'cc'].map((name) => twoBuildResult(name, '1.0', AT, [1, 2])));
    const backup = cli(s.root, ['--json', 'db', 'backup']);
    assert.equal(backup.status, 0, backup.stderr);
    const { file, bytes } = fromJson<{ file: string; bytes: number }>(backup.stdout);
    assert.equal(file, path.join(fs.realpathSync(s.root), 'backups', backupName(new Date(), 'db')));
    assert.ok(bytes > 0);
    const seen = spawnSync(
      '/usr/bin/python3',
      ['-c', 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from results").fetchone()[0])', file],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(seen.stdout.trim(), '3', seen.stderr);

    await store.record(['dd', 'ee'].map((name) => twoBuildResult(name, '1.0', AT, [1, 2])));
    const garbage = path.join(s.dir, 'not-a-backup.db');
    fs.writeFileSync(garbage, 'this is not SQLite');
    const refused = cli(s.root, ['db', 'restore', garbage]);
    assert.equal(refused.status, 5, refused.stderr);
    assert.match(refused.stderr, /not-a-backup\.db is not a readable SQLite database/);
    assert.deepEqual(await names(store), ['aa', 'bb', 'cc', 'dd', 'ee'], 'nothing changed');
    assert.equal(cli(s.root, ['db', 'restore', path.join(s.dir, 'missing.db')]).status, 2);

    const restored = cli(s.root, ['db', 'restore', file]);
    assert.equal(restored.status, 0, restored.stderr);
    assert.deepEqual(await names(store), ['aa', 'bb', 'cc'], "the backup's data, nothing of what came after");
    const shown = cli(s.root, ['--json', 'show', 'bb']);
    assert.equal(shown.status, 0, shown.stderr);
  });

  it('keep the last 30 days and every first of a month, and touch no other file', () => {
    const today = new Date('2026-12-02T04:41:00Z');
    const daily = Array.from({ length: 90 }, (_, i) => backupName(new Date(today.getTime() - i * 86_400_000), 'db'));
    const expired = expiredBackups([...daily, 'reproducible-2026-10-01.pgdump', 'notes.txt', 'reproducible-latest.db'], today, 30);
    assert.equal(expired.length, 90 - 30 - 2, 'all but the last 30 days and the firsts of October and November');
    assert.ok(!expired.includes('reproducible-2026-11-03.db') && expired.includes('reproducible-2026-11-02.db'));
    assert.ok(!expired.some((n) => n.endsWith('-01.db') || n.endsWith('-01.pgdump')), 'firsts of a month stay');
    assert.ok(!expired.includes('notes.txt') && !expired.includes('reproducible-latest.db'));
  });
});
