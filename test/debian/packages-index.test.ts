import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { debFileName, parsePackagesIndex } from '../../src/debian/packages-index.js';

const SHA = 'a'.repeat(64);

describe('Packages indexes', () => {
  it('keys each .deb by the file name a build gives it (no epoch), and leaves out stanzas that are not safe to use', () => {
    const text = [
      `Package: hello\nVersion: 2.10-3\nArchitecture: amd64\nFilename: pool/main/h/hello/hello_2.10-3_amd64.deb\nSize: 53216\nSHA256: ${SHA}\nDescription: x\n continued`,
      `Package: epoch\nVersion: 1:2.0-1\nArchitecture: all\nFilename: pool/main/e/epoch/epoch_2.0-1_all.deb\nSize: 10\nSHA256: ${SHA}`,
      `Package: escape\nVersion: 1\nArchitecture: all\nFilename: pool/../../etc/passwd.deb\nSize: 10\nSHA256: ${SHA}`,
      `Package: badsum\nVersion: 1\nArchitecture: all\nFilename: pool/main/b/badsum_1_all.deb\nSize: 10\nSHA256: xyz`,
      `Package: nosize\nVersion: 1\nArchitecture: all\nFilename: pool/main/n/nosize_1_all.deb\nSHA256: ${SHA}`,
    ].join('\n\n');
    const debs = parsePackagesIndex(text);
    assert.deepEqual([...debs.keys()], ['hello_2.10-3_amd64.deb', 'epoch_2.0-1_all.deb']);
    assert.deepEqual(debs.get('hello_2.10-3_amd64.deb'), { sha256: SHA, size: 53216, filename: 'pool/main/h/hello/hello_2.10-3_amd64.deb' });
    assert.equal(debFileName('epoch', '1:2.0-1', 'all'), 'epoch_2.0-1_all.deb');
  });
});
