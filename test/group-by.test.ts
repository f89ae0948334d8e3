import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupBy } from '../src/group-by.js';

describe('groupBy', () => {
  it('keeps each group in the order of the items, and the groups in the order their keys first came', () => {
    const groups = groupBy(['b1', 'a1', 'b2', 'c1', 'a2'], (s) => s[0]);
    assert.deepEqual(
      [...groups],
      [
        ['b', ['b1', 'b2']],
        ['a', ['a1', 'a2']],
        ['c', ['c1']],
      ],
    );
    assert.equal(groupBy([], String).size, 0);
  });
});
