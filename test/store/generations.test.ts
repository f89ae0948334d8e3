import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Generations } from '../../src/store/generations.js';
import { tempDir } from '../helpers/spool.js';

describe("reproducible.db's generations", () => {
  it('commit only on top of what was loaded: a second commit from the same generation fails and changes nothing', () => {
    const file = path.join(tempDir('generations'), 'reproducible.db');
    const generations = new Generations(file);
    const base = generations.readNewest();
    assert.deepEqual([base.generation.number, base.data], [0, undefined], 'no database yet');
    assert.equal(generations.commit(base.generation, Buffer.from('first')), true);
    assert.equal(generations.commit(base.generation, Buffer.from('stale')), false, 'a writer that loaded generation 0 too loses');
    const newest = generations.readNewest();
    assert.equal(newest.generation.number, 1);
    assert.equal(newest.data?.toString(), 'first');
    assert.deepEqual(fs.readdirSync(generations.dir), ['g-000000000001'], 'no temp left by the loser');
  });

  it('publish reproducible.db as a hard link to the newest, keep the newest two, and read a legacy file as generation 0', () => {
    const file = path.join(tempDir('generations-publish'), 'reproducible.db');
    fs.writeFileSync(file, 'legacy');
    const generations = new Generations(file);
    assert.equal(generations.readNewest().data?.toString(), 'legacy');
    for (let i = 1; i <= 6; i++) {
      assert.equal(generations.commit(generations.newest(), Buffer.from(`g${i}`)), true);
      generations.publish();
    }
    generations.publish(); // already published (another writer did): rename(2) of a link onto itself does nothing
    assert.deepEqual(fs.readdirSync(path.dirname(file)).sort(), ['reproducible.db', 'reproducible.db.generations'], 'no temp link left');
    assert.equal(fs.readFileSync(file, 'utf8'), 'g6');
    assert.equal(fs.statSync(file).ino, fs.statSync(generations.newest().file).ino, 'the same file, not a copy');
    assert.deepEqual(fs.readdirSync(generations.dir).sort(), ['g-000000000005', 'g-000000000006']);
  });
});
