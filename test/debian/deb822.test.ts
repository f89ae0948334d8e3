import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Deb822Error, Stanza, parseStanza, parseStanzas } from '../../src/debian/deb822.js';

describe('deb822', () => {
  it('round-trips fields in order, unknown ones included, with multi-line values', () => {
    const text = 'Source: hello\nX-Unknown: kept\nChecksums-Sha256:\n abc 12 hello.dsc\n .\n def 34 hello.tar.xz\nVersion: 1:2.10-3\n';
    const stanza = parseStanza(text);
    assert.equal(stanza.get('source'), 'hello');
    assert.equal(stanza.get('X-UNKNOWN'), 'kept');
    assert.equal(stanza.get('Checksums-Sha256'), '\nabc 12 hello.dsc\n\ndef 34 hello.tar.xz');
    assert.equal(stanza.toString(), text);
  });

  it('splits stanzas on blank lines and skips comments', () => {
    const stanzas = parseStanzas('# header\nA: 1\n\n\nB: 2\nC: 3\n');
    assert.deepEqual(
      stanzas.map((s) => s.entries()),
      [
        [['A', '1']],
        [
          ['B', '2'],
          ['C', '3'],
        ],
      ],
    );
  });

  it('reports malformed input with its line number', () => {
    assert.throws(
      () => parseStanza('A: 1\nno colon here\n'),
      (e: unknown) => e instanceof Deb822Error && e.line === 2,
    );
    assert.throws(() => parseStanza(' continuation first\n'), /line 1: continuation line without a field/);
    assert.throws(() => parseStanza('A: 1\nA: 2\n'), /line 2: duplicate field A/);
    assert.throws(() => parseStanza('A: 1\nB: x\0y\n'), /line 2: NUL byte/);
    assert.throws(() => parseStanza('A: 1\n\nB: 2\n'), /expected one stanza, found 2/);
  });

  it('refuses to write values that would break the format', () => {
    assert.throws(() => new Stanza().set('Bad Name', 'x'), /invalid deb822 field name/);
  });

  it('makes control characters in a value visible instead of refusing it, and keeps CRLF messages as lines', () => {
    const stanza = Stanza.of([
      ['Lone-Cr', 'x\ry'],
      ['Ssh', '@@@ WARNING\r\nIT IS POSSIBLE\r\n'],
      ['Escapes', 'a\u001b[31mb\u0000c'],
    ]);
    assert.equal(stanza.get('Lone-Cr'), 'x\\x0dy');
    assert.equal(stanza.get('Ssh'), '@@@ WARNING\nIT IS POSSIBLE\n');
    assert.equal(stanza.get('Escapes'), 'a\\x1b[31mb\\x00c');
    assert.deepEqual(parseStanza(stanza.toString()).entries(), stanza.entries());
  });
});
