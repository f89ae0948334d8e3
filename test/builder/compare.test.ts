import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { compareBuilds, fileSha256 } from '../../src/builder/compare.js';
import { tempDir } from '../helpers/spool.js';

function results(debs: Record<string, string>, installed: readonly string[]): string {
  const dir = tempDir('results');
  for (const [name, content] of Object.entries(debs)) fs.writeFileSync(path.join(dir, name), content);
  fs.writeFileSync(path.join(dir, 'hello_1.0_amd64.buildinfo'), `Format: 1.0\nSource: hello\nInstalled-Build-Depends:\n ${installed.join(',\n ')}\n`);
  return dir;
}

describe('comparing two builds', () => {
  it('calls identical packages reproducible and names the ones that differ or exist once', () => {
    const env = ['dpkg (= 1.21.22)', 'make (= 4.3-4.1)'];
    assert.equal(compareBuilds(results({ 'a.deb': 'x' }, env), results({ 'a.deb': 'x' }, env)).verdict, 'reproducible');
    const c = compareBuilds(results({ 'a.deb': 'x', 'b.deb': 'y' }, env), results({ 'a.deb': 'z', 'c.udeb': 'y' }, env));
    assert.deepEqual([c.verdict, c.differing, c.onlyInFirst, c.onlyInSecond], ['unreproducible', ['a.deb'], ['b.deb'], ['c.udeb']]);
  });

  it('reports a build environment that changed between the builds instead of comparing silently', () => {
    const c = compareBuilds(
      results({ 'a.deb': 'x' }, ['dpkg (= 1.21.22)', 'make (= 4.3-4.1)']),
      results({ 'a.deb': 'x' }, ['dpkg (= 1.21.23)', 'make (= 4.3-4.1)']),
    );
    assert.equal(c.verdict, 'reproducible');
    assert.deepEqual(c.environmentChanged, ['build 1 only: dpkg (= 1.21.22)', 'build 2 only: dpkg (= 1.21.23)']);
  });

  it('never calls an empty pair of builds reproducible', () => {
    assert.equal(compareBuilds(results({}, ['dpkg (= 1)']), results({}, ['dpkg (= 1)'])).verdict, 'unreproducible');
  });

  it('hashes a package in chunks, to the same sha256 as reading it whole', () => {
    const dir = tempDir('chunks');
    const file = path.join(dir, 'big_1.0_amd64.deb');
    const data = crypto.randomBytes(3 * 1024 * 1024 + 17); // three chunks and a bit
    fs.writeFileSync(file, data);
    assert.equal(fileSha256(file), crypto.createHash('sha256').update(data).digest('hex'));
  });
});
