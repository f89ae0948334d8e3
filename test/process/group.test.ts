import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runInGroup } from '../../src/process/group.js';
import { sleep } from '../../src/retry.js';
import { tempDir } from '../helpers/spool.js';

const alive = (pattern: string) => spawnSync('pgrep', ['-f', pattern]).status === 0;

describe('a command in its own process group', () => {
  it('appends its output to the log and reports its exit status', async () => {
    const log = path.join(tempDir('group'), 'log');
    fs.writeFileSync(log, 'before\n');
    const run = await runInGroup({
      command: 'sh',
      args: ['-c', 'echo out; echo err >&2; exit 4'],
      cwd: '/',
      env: { PATH: process.env.PATH! },
      logFile: log,
      timeoutMs: 10_000,
      killGraceMs: 500,
    });
    assert.deepEqual([run.exitCode, run.timedOut], [4, false]);
    assert.equal(fs.readFileSync(log, 'utf8'), 'before\nout\nerr\n');
  });

  it('ends the whole group at the timeout, children that ignore SIGTERM and grandchildren too', async () => {
    const marker = `sleep 86.${process.pid}`;
    const log = path.join(tempDir('group'), 'log');
    let pgid = 0;
    const run = await runInGroup({
      command: 'sh',
      args: ['-c', `trap '' TERM; (trap '' TERM; ${marker}) & ${marker}`],
      cwd: '/',
      env: { PATH: process.env.PATH! },
      logFile: log,
      timeoutMs: 300,
      killGraceMs: 300,
      onStart: (id) => (pgid = id),
    });
    assert.equal(run.timedOut, true);
    assert.ok(pgid > 0, 'the group was reported as soon as it ran');
    for (let i = 0; i < 50 && alive(marker); i++) await sleep(20);
    assert.equal(alive(marker), false, 'nothing of the group is left');
  });

  it('ends the group when aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const run = await runInGroup({
      command: 'sleep',
      args: ['30'],
      cwd: '/',
      env: { PATH: process.env.PATH! },
      logFile: path.join(tempDir('group'), 'log'),
      timeoutMs: 60_000,
      killGraceMs: 300,
      signal: controller.signal,
    });
    assert.deepEqual([run.timedOut, run.signal], [false, 'SIGTERM']);
  });
});
