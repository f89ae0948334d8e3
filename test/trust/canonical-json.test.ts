import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CanonicalJsonError, encodeCanonical } from '../../src/trust/canonical-json.js';

describe('canonical JSON (securesystemslib)', () => {
  it('sorts keys, drops whitespace, escapes only quote and backslash', () => {
    assert.equal(encodeCanonical({ b: [1, true, null], a: 'x"y\\z', c: { y: 'ü\n', x: '' } }), '{"a":"x\\"y\\\\z","b":[1,true,null],"c":{"x":"","y":"ü\n"}}');
    assert.equal(encodeCanonical([]), '[]');
    assert.equal(encodeCanonical({}), '{}');
  });

  it('refuses a number that is not an integer, as securesystemslib does', () => {
    assert.throws(() => encodeCanonical({ duration: 1.5 }), CanonicalJsonError);
    assert.throws(() => encodeCanonical(Number.POSITIVE_INFINITY), /not an integer/);
  });
});
