import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { entryId } from '../../src/spool/identity.js';
import { judgeLock, readOwner, tryLockEntry } from '../../src/spool/lock.js';
import { openSpool } from '../../src/spool/spool.js';
import { sleep } from '../../src/retry.js';
import { CLI, PROJECT, census, sandbox, writeEntry } from '../helpers/spool.js';
import { nodePlace } from '../../src/spool/layout.js';

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

describe('locks/ on a tmpfs of its own (README: locks on a tmpfs)', () => {
  it('claims over an owner record left behind without a rename across filesystems, reaps dead temps there, and after the tmpfs is gone (a reboot) hands the claim back', async () => {
    const s = sandbox('lock-tmpfs');
    const config = path.join(s.dir, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ thresholds: { lockStaleSeconds: 2, lockUpdateSeconds: 1 } }));
    writeEntry(s.layout, nodePlace('node1'), hello);
    fs.mkdirSync(s.layout.locksDir, { recursive: true });
    const staleOwner = path.relative(s.layout.locksDir, s.layout.ownerPath(hello));
    const deadTemp = '999999999.1.aaaaaaaaaaaa.hello_1.0-1.owner'; // a writer pid that cannot exist
    const cliWords = [process.execPath, CLI, '--root', s.root, '--config', config, '--json'];
    // A mount namespace of this test's own (as an unprivileged user may): the tmpfs is seen by these commands only, and gone when they end.
    const script = [
      'set -e',
      'locks=$1; out=$2; stale=$3; dead=$4; shift 4',
      'mount -t tmpfs -o mode=0700 repro-spool-locks "$locks"',
      'mkdir -p "$locks/$(dirname "$stale")" "$locks/_tmp"',
      `printf 'Token: 0123\\nPurpose: build\\nPid: 999999999\\n' > "$locks/$stale"`,
      'touch "$locks/_tmp/$dead"',
      '"$@" claim --node node1 > "$out/claim.json"',
      '"$@" reap --node node1 > "$out/reap.json"',
      'ls -A "$locks/_tmp" > "$out/tmp-after"',
      'findmnt -n -o FSTYPE --target "$locks" > "$out/fstype"',
    ].join('\n');
    const result = spawnSync(
      'unshare',
      ['--user', '--map-root-user', '--mount', 'sh', '-c', script, 'sh', s.layout.locksDir, s.dir, staleOwner, deadTemp, ...cliWords],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.equal(fs.readFileSync(path.join(s.dir, 'fstype'), 'utf8').trim(), 'tmpfs', 'the locks really were on a filesystem of their own');
    assert.equal((JSON.parse(fs.readFileSync(path.join(s.dir, 'claim.json'), 'utf8')) as unknown[]).length, 1);
    assert.equal(fs.readFileSync(path.join(s.dir, 'tmp-after'), 'utf8'), '', "the dead writer's temp in locks/_tmp was removed");
    assert.deepEqual([...census(s.layout).entries.values()], [['pending']]);
    // The tmpfs went with the namespace, as with a reboot: a pending entry without a lock is handed back once older than the stale time.
    await sleep(2200);
    const reaped = spawnSync(cliWords[0]!, [...cliWords.slice(1), 'reap', '--node', 'node1'], { encoding: 'utf8' });
    assert.equal(reaped.status, 0, reaped.stderr);
    assert.deepEqual([...census(s.layout).entries.values()], [['node1']]);
  });
});
