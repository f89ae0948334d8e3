import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { pythonJson } from '../../src/publish/python-json.js';

describe('published JSON', () => {
  it("is laid out byte for byte as the original's json.dump(indent=4, sort_keys=True)", () => {
    const value = [
      { package: 'hello', version: '2.10-3', status: 'FTBR', architecture_details: [{ version: '2.10-3', architecture: 'amd64' }], empty: [] },
      { z: 1, a: { c: null, b: true } },
    ];
    const python = spawnSync('/usr/bin/python3', ['-c', 'import json,sys; sys.stdout.write(json.dumps(json.load(sys.stdin), indent=4, sort_keys=True))'], {
      input: JSON.stringify(value),
      encoding: 'utf8',
    });
    assert.equal(python.status, 0, python.stderr);
    assert.equal(pythonJson(value), python.stdout);
  });
});
