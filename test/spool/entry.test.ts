import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CorruptEntryError, formatEntry, newEntry, parseEntry } from '../../src/spool/entry.js';
import { SHA, id } from '../helpers/spool.js';

const hello = id('hello', '1:2.10-3');

describe('entry files', () => {
  it('carry the identity, the .dsc sha256 and an attempt counter, and keep unknown fields', () => {
    const entry = newEntry({ id: hello, dscSha256: SHA, extra: [['X-Priority', '5']] }, new Date('2026-01-01T00:00:00Z'));
    const text = formatEntry(entry);
    assert.match(
      text,
      /^Source: hello\nVersion: 1:2\.10-3\nSuite: bookworm\nArchitecture: amd64\nDsc-Sha256: [0-9a-f]{64}\nScheduled: 2026-01-01T00:00:00\.000Z\nAttempt: 1\nX-Priority: 5\n$/,
    );
    assert.equal(parseEntry(hello, text).fields.get('X-Priority'), '5');
  });

  it('is corrupt when its content disagrees with its path or lacks a valid Dsc-Sha256', () => {
    const good = formatEntry(newEntry({ id: hello, dscSha256: SHA }, new Date()));
    const cases: Array<[string, RegExp]> = [
      [good.replace('Version: 1:2.10-3', 'Version: 2.10-3'), /Version is "2\.10-3", but the path says "1:2\.10-3"/],
      [good.replace(/Dsc-Sha256: .*\n/, ''), /Dsc-Sha256 is missing/],
      [good.replace(/Dsc-Sha256: .*\n/, 'Dsc-Sha256: XYZ\n'), /Dsc-Sha256 is "XYZ": expected 64 lowercase hex digits/],
      [good.replace('Attempt: 1', 'Attempt: -1'), /Attempt is "-1"/],
      ['garbage without colon', /not a deb822 stanza: line 1/],
      ['', /not a deb822 stanza/],
      ['A'.repeat(70_000), /larger than/],
    ];
    for (const [text, message] of cases) {
      assert.throws(
        () => parseEntry(hello, text),
        (e: unknown) => e instanceof CorruptEntryError && message.test(e.message),
        String(message),
      );
    }
  });
});
