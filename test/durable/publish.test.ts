import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { tempPath } from '../../src/durable/atomic.js';
import { PUBLISHED_MODE, openPublication, publishBzip2, publishFile, removeDeadTemps } from '../../src/durable/publish.js';
import { tempDir } from '../helpers/spool.js';

describe('a published file', () => {
  it('replaces its target whole, readable by anyone whatever the umask, outside any spool root', async () => {
    const dir = path.join(tempDir('publish'), 'www', 'deep');
    const target = path.join(dir, 'reproducible.json');
    const umask = process.umask(0o077);
    try {
      await publishFile(target, 'old');
      const publication = await openPublication(target);
      await publication.write('new ');
      await publication.write(Buffer.from('data'));
      assert.equal(fs.readFileSync(target, 'utf8'), 'old', 'a reader sees the old file until the commit');
      await publication.commit();
    } finally {
      process.umask(umask);
    }
    assert.equal(fs.readFileSync(target, 'utf8'), 'new data');
    assert.equal(fs.statSync(target).mode & 0o777, PUBLISHED_MODE);
    assert.deepEqual(fs.readdirSync(dir), ['reproducible.json'], 'no temp is left');
  });

  it('leaves the target as it was when abandoned', async () => {
    const target = path.join(tempDir('publish'), 'page.html');
    await publishFile(target, 'kept');
    const publication = await openPublication(target);
    await publication.write('half');
    await publication.abort();
    assert.equal(fs.readFileSync(target, 'utf8'), 'kept');
    assert.deepEqual(fs.readdirSync(path.dirname(target)), ['page.html']);
  });

  it('compresses with bzip2 -9 into a .bz2 that decompresses to the same bytes', async () => {
    const dir = tempDir('publish');
    const source = path.join(dir, 'reproducible.json');
    await publishFile(source, JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ package: `p${i}` }))));
    await publishBzip2(source, `${source}.bz2`, 60_000);
    const back = await new Promise<Buffer>((resolve, reject) => {
      const child = spawn('bzip2', ['-dc', `${source}.bz2`]);
      const chunks: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => chunks.push(c));
      child.once('error', reject);
      child.once('close', () => resolve(Buffer.concat(chunks)));
    });
    assert.deepEqual(back, fs.readFileSync(source));
    assert.equal(fs.statSync(`${source}.bz2`).mode & 0o777, PUBLISHED_MODE);
  });

  it("removes a crashed writer's temp, never a live writer's nor anything else", async () => {
    const dir = tempDir('publish');
    const dead = spawn('true');
    await new Promise((resolve) => dead.once('exit', resolve));
    const deadTemp = path.join(dir, `${dead.pid}.1.0123456789ab.index.html.publishing`);
    fs.writeFileSync(deadTemp, 'half a page');
    const liveTemp = tempPath(dir, 'queue.html.publishing');
    fs.writeFileSync(liveTemp, 'being written');
    fs.writeFileSync(path.join(dir, 'index.html'), 'a page');
    assert.equal(removeDeadTemps(dir), 1);
    assert.deepEqual(fs.readdirSync(dir).sort(), [path.basename(liveTemp), 'index.html'].sort());
  });
});
