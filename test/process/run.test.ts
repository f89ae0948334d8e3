import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { SpoolError } from '../../src/errors.js';
import { outputOf, runForStatus, runQuick, runStreaming } from '../../src/process/run.js';

describe('running a short local command', () => {
  it('passes arguments without a shell, feeds input, captures both outputs and the exit status', () => {
    const run = runQuick('sh', ['-c', 'cat; echo "$1" >&2; exit 3', 'sh', '$(touch /tmp/never) `id`'], { input: 'from stdin' });
    assert.equal(run.exitCode, 3);
    assert.equal(run.stdout.toString(), 'from stdin');
    assert.equal(run.stderr.toString(), '$(touch /tmp/never) `id`\n', 'an argument is a word, never parsed');
  });

  it('outputOf returns the trimmed stdout, and names the command, its status and its stderr when it fails', () => {
    assert.equal(outputOf('printf', ['  %s\\n', 'amd64']), 'amd64');
    assert.throws(
      () => outputOf('sh', ['-c', 'echo no such package >&2; exit 1']),
      (error: unknown) =>
        error instanceof SpoolError && error.kind === 'failed' && error.message === 'sh -c echo no such package >&2; exit 1 exited 1: no such package',
    );
    assert.throws(
      () => outputOf('no-such-command-anywhere', []),
      (error: unknown) => error instanceof SpoolError && /no-such-command-anywhere.*ENOENT/.test(error.message),
    );
  });

  it('runForStatus keeps the event loop turning while it waits, and ends a command at its timeout', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    const done = await runForStatus('sleep', ['0.4']);
    clearInterval(timer);
    assert.equal(done.exitCode, 0);
    assert.ok(ticks >= 5, `timers ran while it waited (${ticks})`);
    const started = Date.now();
    const stopped = await runForStatus('sleep', ['30'], { timeoutMs: 200 });
    assert.equal(stopped.exitCode, null, 'ended by a signal');
    assert.ok(Date.now() - started < 5000);
    assert.equal((await runForStatus('no-such-command-anywhere', [])).error?.message.includes('ENOENT'), true);
  });
});

function counting(): { sink: Writable; bytes: () => number } {
  let n = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      n += chunk.length;
      setImmediate(callback); // a slow consumer: the command waits for it
    },
  });
  return { sink, bytes: () => n };
}

describe('a command whose stdout is streamed', () => {
  it('hands all of stdout to the sink, keeps only its head, gives stdin whole and reports the status', async () => {
    const { sink, bytes } = counting();
    const run = await runStreaming('sh', ['-c', 'cat >&2; head -c 3000000 /dev/zero; exit 3'], {
      input: Buffer.from('to stderr'),
      sink,
      headBytes: 10,
      maxStderrBytes: 4,
    });
    assert.equal(run.exitCode, 3);
    assert.equal(bytes(), 3_000_000);
    assert.equal(run.stdoutHead.length, 10);
    assert.equal(run.stderr.toString(), 'to s');
    assert.equal(run.stoppedBySink, false);
  });

  it('kills the command when the sink refuses what it sends, and says so', async () => {
    const sink = new Writable({ write: (_chunk, _encoding, callback) => callback(new Error('refused')) });
    const started = Date.now();
    const run = await runStreaming('sh', ['-c', 'while :; do echo flood; done'], { input: Buffer.alloc(0), sink, headBytes: 0, maxStderrBytes: 0 });
    assert.equal(run.stoppedBySink, true);
    assert.equal(run.error?.message, 'refused');
    assert.ok(Date.now() - started < 5000, 'ended at once');
  });

  it('ends at an abort', async () => {
    const { sink } = counting();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const run = await runStreaming('sleep', ['30'], { input: Buffer.alloc(0), sink, headBytes: 0, maxStderrBytes: 0, signal: controller.signal });
    assert.equal(run.exitCode, null);
  });
});
