import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseSourcesIndex } from '../../src/debian/sources-index.js';
import { importSources } from '../../src/store/catalogue.js';
import { FileStore } from '../../src/store/file-store.js';
import { tempDir } from '../helpers/spool.js';
import { generatedSources } from '../helpers/sources.js';

const SETTINGS = { lockStaleMs: 10_000, lockUpdateMs: 2_000, waitMs: 60_000, pollMs: 5 };

describe('the sources catalogue', () => {
  it('imports a 35,000-stanza index, and importing it again changes nothing', async () => {
    const store = new FileStore(path.join(tempDir('catalogue'), 'reproducible.db'), SETTINGS);
    const records = parseSourcesIndex(generatedSources(35_000));
    assert.equal(records.length, 35_000);
    const first = await importSources(store, records, 'bookworm', 'arm64', new Date());
    assert.deepEqual([first.added, first.updated, first.removed, first.notForArch], [31_500, 0, 0, 3_500], 'arch:all sources are tested on amd64 only');
    const again = await importSources(store, records, 'bookworm', 'arm64', new Date());
    assert.deepEqual([again.added, again.updated, again.removed, again.unchanged], [0, 0, 0, 31_500]);
    const amd64 = await importSources(store, records, 'bookworm', 'amd64', new Date());
    assert.equal(amd64.added, 35_000);
    const count = await store.read(async (db) => Number((await db.all<{ n: number }>('SELECT count(*) AS n FROM sources'))[0]!.n));
    assert.equal(count, 66_500);
  });

  it('follows the index: new versions update, vanished packages leave, the highest of duplicate versions wins', async () => {
    const store = new FileStore(path.join(tempDir('catalogue2'), 'reproducible.db'), SETTINGS);
    await importSources(store, parseSourcesIndex(generatedSources(3)), 'bookworm', 'amd64', new Date());
    const next = parseSourcesIndex(`${generatedSources(2, (i) => (i === 1 ? '2.0-1' : '1.0-1'))}\n${generatedSources(1, () => '1.0~rc1-1')}`);
    const report = await importSources(store, next, 'bookworm', 'amd64', new Date());
    assert.deepEqual([report.updated, report.unchanged, report.removed], [1, 1, 1]);
    const rows = await store.read((db) => db.all<{ name: string; version: string }>('SELECT name, version FROM sources ORDER BY name'));
    assert.deepEqual(rows, [
      { name: 'pkg0', version: '1.0-1' },
      { name: 'pkg1', version: '2.0-1' },
    ]);
  });
});
