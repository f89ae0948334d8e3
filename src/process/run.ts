/**
 * Running a short local command to its end: no shell (arguments are passed as they are),
 * output captured, a timeout. For long work in its own process group, with a log and a
 * kill on timeout or abort, there is group.ts; for commands on a node, transport/ssh.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { Writable } from 'node:stream';
import { SpoolError } from '../errors.js';

export interface QuickRun {
  /** null when it did not exit by itself (a signal, the timeout) or did not start. */
  readonly exitCode: number | null;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  /** Why it did not start or was stopped (ENOENT, ETIMEDOUT). */
  readonly error?: Error;
}

export interface QuickRunOptions {
  readonly input?: Buffer | string;
  readonly timeoutMs?: number;
  /** Output beyond this is an error (ENOBUFS); default 64 MiB. */
  readonly maxBytes?: number;
  /** Drop the output instead of capturing it: for commands whose exit status is the answer. */
  readonly discardOutput?: boolean;
  /** The environment, when not this process's own (a password for pg_dump stays off the command line). */
  readonly env?: NodeJS.ProcessEnv;
  /** Read stdin from this open file instead of input (a filter over a file too large to hold: bzip2 of an export). */
  readonly stdinFd?: number;
  /** Write stdout to this open file instead of capturing it. */
  readonly stdoutFd?: number;
}

export function runQuick(command: string, args: readonly string[], options: QuickRunOptions = {}): QuickRun {
  const run = spawnSync(command, args, {
    input: options.input,
    timeout: options.timeoutMs,
    maxBuffer: options.maxBytes ?? 64 << 20,
    stdio: options.discardOutput ? 'ignore' : [options.stdinFd ?? 'pipe', options.stdoutFd ?? 'pipe', 'pipe'],
    env: options.env,
  });
  return { exitCode: run.status, stdout: run.stdout ?? Buffer.alloc(0), stderr: run.stderr ?? Buffer.alloc(0), error: run.error };
}

/** The command's stdout as text, trimmed; a command that fails is an error naming it, its status and its stderr. */
export function outputOf(command: string, args: readonly string[], options: Omit<QuickRunOptions, 'discardOutput'> = {}): string {
  const run = runQuick(command, args, options);
  if (run.error || run.exitCode !== 0) {
    const why = run.error ? run.error.message : `exited ${run.exitCode ?? 'on a signal'}`;
    throw new SpoolError('failed', `${[command, ...args].join(' ')} ${why}${run.stderr.length ? `: ${run.stderr.toString('utf8').trim()}` : ''}`);
  }
  return run.stdout.toString('utf8').trim();
}

/**
 * The same without blocking the event loop (a watch agent's parallel builds share it), for
 * a command that can take seconds and whose exit status is the answer; output is dropped,
 * so a child that forks into the background (ssh -f) cannot hold a pipe open.
 */
export function runForStatus(
  command: string,
  args: readonly string[],
  options: { readonly timeoutMs?: number } = {},
): Promise<Pick<QuickRun, 'exitCode' | 'error'>> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore', timeout: options.timeoutMs });
    child.once('error', (error) => resolve({ exitCode: null, error }));
    child.once('exit', (exitCode) => resolve({ exitCode }));
  });
}

export interface StreamedRun {
  /** null when it did not exit by itself (a signal: the sink refused the stream, the abort) or did not start. */
  readonly exitCode: number | null;
  /** The first headBytes of stdout, kept besides the sink's copy: a failed command's answer (its JSON error). */
  readonly stdoutHead: Buffer;
  /** Up to maxStderrBytes of stderr. */
  readonly stderr: Buffer;
  readonly error?: Error;
  /** The sink failed and the command was killed for it: the sink's error, not the status, says what went wrong. */
  readonly stoppedBySink: boolean;
}

export interface StreamOptions {
  readonly input: Buffer;
  /** Gets stdout as it arrives, with backpressure; ended when stdout ends. If it fails, the command is killed. */
  readonly sink: Writable;
  readonly headBytes: number;
  readonly maxStderrBytes: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
}

/**
 * A command whose stdout is too large to hold (a node's results, as a tar stream): no
 * shell, stdin given whole, stdout streamed into the sink. zx keeps all of a command's
 * output in memory, so this does not go through it.
 */
export function runStreaming(command: string, args: readonly string[], options: StreamOptions): Promise<StreamedRun> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env });
    const head: Buffer[] = [];
    let headLength = 0;
    const stderr: Buffer[] = [];
    let stderrLength = 0;
    let failure: Error | undefined;
    let stoppedBySink = false;
    let stdoutEnded = false;
    const stop = () => child.kill('SIGTERM');
    options.signal?.addEventListener('abort', stop, { once: true });
    options.sink.once('error', (error) => {
      failure ??= error;
      // Refused while stdout still flowed; a refusal of a stream that simply ended (a command that failed) stops nothing.
      stoppedBySink = !stdoutEnded && child.exitCode === null && child.signalCode === null;
      stop();
    });
    child.stdin.on('error', () => {}); // EPIPE: the command exited without reading all of stdin; its status says why
    child.stdin.end(options.input);
    child.stdout.on('data', (chunk: Buffer) => {
      if (headLength < options.headBytes) {
        head.push(chunk.subarray(0, options.headBytes - headLength));
        headLength += Math.min(chunk.length, options.headBytes - headLength);
      }
      if (options.sink.destroyed) return;
      if (!options.sink.write(chunk)) {
        child.stdout.pause();
        options.sink.once('drain', () => child.stdout.resume());
      }
    });
    child.stdout.once('end', () => {
      stdoutEnded = true;
      if (!options.sink.destroyed) options.sink.end();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderrLength >= options.maxStderrBytes) return;
      stderr.push(chunk.subarray(0, options.maxStderrBytes - stderrLength));
      stderrLength += chunk.length;
    });
    child.once('error', (error) => {
      failure ??= error;
    });
    child.once('close', (exitCode) => {
      options.signal?.removeEventListener('abort', stop);
      resolve({ exitCode, stdoutHead: Buffer.concat(head), stderr: Buffer.concat(stderr), stoppedBySink, ...(failure && { error: failure }) });
    });
  });
}
