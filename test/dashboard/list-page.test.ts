import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listPath } from '../../src/dashboard/list-page.js';
import { SpoolError } from '../../src/errors.js';

describe("a list page's path", () => {
  it('is built only from a verdict of the list and plain suite and architecture names', () => {
    assert.equal(listPath('bookworm', 'amd64', 'unreproducible'), 'lists/bookworm/amd64/unreproducible.html');
    for (const [suite, arch, verdict] of [
      ['bookworm', 'amd64', '../../../packages/steady'],
      ['bookworm', 'amd64', 'steady'],
      ['..', 'amd64', 'FTBFS'],
      ['bookworm', 'a/b', 'FTBFS'],
    ] as const) {
      assert.throws(
        () => listPath(suite, arch, verdict),
        (error: unknown) => error instanceof SpoolError && error.kind === 'integrity' && error.message.includes(JSON.stringify(verdict)),
      );
    }
  });
});
