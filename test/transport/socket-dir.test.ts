import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SpoolError } from '../../src/errors.js';
import { privateSocketDir } from '../../src/transport/socket-dir.js';
import { tempDir } from '../helpers/spool.js';

const uid = os.userInfo().uid;
const mode = (dir: string) => fs.statSync(dir).mode & 0o777;

/** Runs with TMPDIR pointing elsewhere (os.tmpdir() reads it at each call). */
function withTmpdir<T>(dir: string, run: () => T): T {
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return run();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

describe("ssh's control socket directory", () => {
  it('is $XDG_RUNTIME_DIR/repro-spool when the session has a private runtime directory, made 0700', () => {
    const runtime = tempDir('runtime');
    fs.chmodSync(runtime, 0o700);
    const dir = privateSocketDir({ XDG_RUNTIME_DIR: runtime });
    assert.equal(dir, path.join(runtime, 'repro-spool'));
    assert.equal(mode(dir), 0o700);
    assert.equal(privateSocketDir({ XDG_RUNTIME_DIR: runtime }), dir, 'found again');
  });

  it('is $TMPDIR/repro-spool-$UID otherwise, and also when the runtime directory is writable by others', () => {
    const tmp = tempDir('tmpdir');
    const open = tempDir('open-runtime');
    fs.chmodSync(open, 0o777);
    const dir = withTmpdir(tmp, () => privateSocketDir({ XDG_RUNTIME_DIR: open }));
    assert.equal(dir, path.join(tmp, `repro-spool-${uid}`));
    assert.equal(mode(dir), 0o700);
  });

  it('refuses a planted one: a symlink, a directory others can write, one owned by another user', () => {
    const planted = (prepare: (dir: string) => void, expected: RegExp) => {
      const tmp = tempDir('planted');
      prepare(path.join(tmp, `repro-spool-${uid}`));
      assert.throws(
        () => withTmpdir(tmp, () => privateSocketDir({})),
        (error: unknown) => error instanceof SpoolError && error.kind === 'usage' && expected.test(error.message),
      );
    };
    planted((dir) => fs.symlinkSync(tempDir('elsewhere'), dir), /is not a directory \(a symlink or a file there is refused\)/);
    planted((dir) => {
      fs.mkdirSync(dir);
      fs.chmodSync(dir, 0o777);
    }, /is writable by others \(mode 777\)/);
    if (uid === 0) {
      planted((dir) => {
        fs.mkdirSync(dir, { mode: 0o700 });
        fs.chownSync(dir, 65534, 65534);
      }, /belongs to uid 65534, not to this user/);
    }
  });

  it('refuses a TMPDIR so long that the socket path would pass the limit', () => {
    const deep = path.join(tempDir('deep'), 'x'.repeat(60));
    fs.mkdirSync(deep);
    assert.throws(() => withTmpdir(deep, () => privateSocketDir({})), /would exceed the 107-byte socket path limit/);
  });
});
