import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { mirrorFromApt, readAptSources } from '../../src/debian/apt-sources.js';
import { tempDir } from '../helpers/spool.js';

function aptDir(files: Record<string, string>): string {
  const dir = tempDir('apt');
  fs.mkdirSync(path.join(dir, 'sources.list.d'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('mirror from the system apt sources', () => {
  it('derives the source mirror from deb822 deb entries when there is no deb-src, skipping security', () => {
    const dir = aptDir({
      'sources.list.d/debian.sources':
        'Types: deb\nURIs: http://example.org/security\nSuites: bookworm-security\nComponents: main\n\n' +
        'Types: deb\nURIs: http://example.net/debian/\nSuites: bookworm bookworm-updates\nComponents: main\n',
    });
    assert.equal(mirrorFromApt(readAptSources(dir), 'bookworm'), 'http://example.net/debian');
  });

  it('prefers a one-line deb-src entry for the suite and ignores disabled and non-http entries', () => {
    const dir = aptDir({
      'sources.list':
        '# comment\ndeb http://example.com/debian bookworm main\ndeb-src [arch=amd64] http://example.org/debian bookworm main\ndeb cdrom:[Debian]/ bookworm main\n',
      'sources.list.d/off.sources': 'Types: deb-src\nURIs: http://example.org/off\nSuites: bookworm\nEnabled: no\n',
    });
    assert.equal(mirrorFromApt(readAptSources(dir), 'bookworm'), 'http://example.org/debian');
    assert.equal(mirrorFromApt(readAptSources(aptDir({})), 'bookworm'), undefined);
  });
});
