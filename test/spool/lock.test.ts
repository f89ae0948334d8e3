import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { entryId } from '../../src/spool/identity.js';
import { judgeLock, readOwner, tryLockEntry } from '../../src/spool/lock.js';
import { openSpool } from '../../src/spool/spool.js';
import { sleep } from '../../src/retry.js';
import { PROJECT, sandbox } from '../helpers/spool.js';

const hello = entryId('bookworm', 'amd64', 'hello', '1.0-1');
const children: ChildProcess[] = [];
after(() => children.forEach((c) => c.kill('SIGKILL'))); // a paused holder ignores SIGTERM

/**
 * A holder pauses past the stale time; this process takes the lock over meanwhile; then
 * the holder resumes and goes on as MODE says, and exits. Returns what it printed.
 */
async function takeOverFromPausedHolder(mode: 'assert' | 'release') {
  const s = sandbox(`lock-${mode}`);
  const go = path.join(s.root, 'go');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT, 'test/helpers/paused-holder.ts'), s.root, go, mode], {
    cwd: PROJECT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = once(child, 'exit');
  while (!out.includes('taken')) await sleep(20);
  const spool = openSpool(s.root, { lockStaleMs: 2000, lockUpdateMs: 1000 });
  await sleep(3600); // the holder's lock is not refreshed: stale (proper-lockfile may date a lock up to 1 s ahead)
  const mine = await tryLockEntry(spool, hello, 'job');
  assert.ok(mine, 'a lock not refreshed for the stale time is taken over');
  fs.writeFileSync(go, '');
  const [code] = (await exited) as [number];
  assert.equal(code, 0);
  return { spool, mine, said: out.split('\n')[1] };
}

describe('entry locks', () => {
  for (const mode of ['release', 'assert'] as const) {
    it(`a holder paused past the stale time and taken over leaves the new holder's lock and owner alone (${mode === 'assert' ? 'assertHeld, then release' : 'straight to release'}), even when it exits`, async () => {
      const { spool, mine, said } = await takeOverFromPausedHolder(mode);
      if (mode === 'assert') assert.match(said!, /^busy: lost the lock on bookworm\/amd64\/hello\/1\.0-1: taken over by pid \d+/);
      assert.equal(readOwner(spool, hello)?.token, mine.token, "the new holder's owner record is still there");
      assert.equal(judgeLock(spool, hello).health, 'held', "and its lock directory too (the old holder's exit hook left it)");
      mine.assertHeld();
      await mine.release();
      assert.equal(judgeLock(spool, hello).health, 'free');
    });
  }
});
