/**
 * ssh and scp to one build node, through zx. One ControlMaster per node (started here
 * with stdio ignored: a ControlPersist master started by a zx call would keep its stdio
 * open and the call would never resolve); BatchMode, ConnectTimeout and keep-alives on
 * every call; retries with backoff only when the connection failed (ssh exit 255), never
 * when the remote command failed. Remote commands are built from quoted words only.
 * Files are placed atomically: written to a temp name in a staging directory on the same
 * remote filesystem (the node spool's tmp/, where its reaper expects temps), then
 * hard-linked to their name (which fails if the name exists: nothing is overwritten).
 */
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import lockfile from 'proper-lockfile';
import { $ } from 'zx';
import type { NodeConfig } from '../config/config.js';
import { NodeIntegrityError, NodeUnreachableError, SpoolError, TargetExistsError } from '../errors.js';
import { runForStatus, runQuick, runStreaming } from '../process/run.js';
import { retrying, sleep } from '../retry.js';
import { remoteCommand } from './quote.js';
import { privateSocketDir } from './socket-dir.js';
import type { SshSettings } from '../config/settings.js';

export interface TransportSettings extends SshSettings {
  /** Ends the local ssh/scp of every call (the job was told to stop); the remote command is ended by its own timeout. */
  readonly signal?: AbortSignal;
}

export interface RemoteResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

const CONNECTION_FAILED = 255;
/** Exit statuses of put's remote script: the name holds other content; what arrived was not what was sent. */
const PUT_EXISTS = 17;
const PUT_TRUNCATED = 18;
/** Exit statuses above this mean the remote command was killed by signal (status − 128): the node was reached. */
export const REMOTE_KILLED = 128;

/**
 * zx runs every command through bash, and a non-interactive bash reads the invoking
 * user's ~/.bashrc when it believes sshd started it (SSH_CLIENT set, SHLVL unset or 0:
 * a Jenkins agent over ssh, cron, systemd), and sources $BASH_ENV always. Whatever those
 * print would land in front of ssh's output. So the local shell gets none of them.
 */
export function startupFreeEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = { ...env, SHLVL: '1' };
  for (const name of ['BASH_ENV', 'ENV', 'SSH_CLIENT', 'SSH2_CLIENT', 'SSH_CONNECTION']) delete clean[name];
  return clean;
}

const sh = $({ quiet: true, nothrow: true, shell: '/bin/bash', prefix: 'set -euo pipefail;', verbose: false, env: startupFreeEnv() });

export class SshTransport {
  private readonly controlDir: string;
  private readonly controlPath: string;

  constructor(
    readonly name: string,
    private readonly node: NodeConfig,
    private readonly settings: TransportSettings,
  ) {
    // %C is a hash of the connection; the directory is this user's alone (socket-dir.ts).
    this.controlDir = privateSocketDir();
    this.controlPath = path.join(this.controlDir, '%C');
  }

  private options(): string[] {
    const o = [
      '-p',
      String(this.node.port),
      '-o',
      'BatchMode=yes',
      '-o',
      `ConnectTimeout=${this.settings.connectTimeoutSeconds}`,
      '-o',
      'ServerAliveInterval=10',
      '-o',
      'ServerAliveCountMax=3',
      '-o',
      `ControlPath=${this.controlPath}`,
    ];
    if (this.node.identityFile) o.push('-i', this.node.identityFile, '-o', 'IdentitiesOnly=yes');
    if (this.node.knownHostsFile) o.push('-o', `UserKnownHostsFile=${this.node.knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes');
    return o;
  }

  private destination(): string {
    return this.node.user ? `${this.node.user}@${this.node.host}` : this.node.host;
  }

  private masterRunning(): boolean {
    return runQuick('ssh', [...this.options(), '-O', 'check', this.destination()], { discardOutput: true }).exitCode === 0;
  }

  /**
   * Starts the node's ControlMaster if none is running; later calls reuse its connection.
   * Jobs sharing a node start it under a lock: a second `ssh -M` finding the socket taken
   * would linger as an ordinary background connection.
   */
  private async ensureMaster(): Promise<void> {
    if (this.masterRunning()) return;
    const key = crypto.createHash('sha256').update(`${this.destination()}:${this.node.port}`).digest('hex').slice(0, 16);
    const lockFile = path.join(this.controlDir, `master-${key}`);
    const deadline = Date.now() + (this.settings.connectTimeoutSeconds + 10) * 1000;
    for (;;) {
      let release: (() => void) | undefined;
      try {
        release = lockfile.lockSync(lockFile, { realpath: false, stale: (this.settings.connectTimeoutSeconds + 10) * 1000 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      }
      if (release) {
        try {
          if (!this.masterRunning()) {
            await runForStatus('ssh', [...this.options(), '-f', '-N', '-M', '-o', 'ControlPersist=60', this.destination()], {
              timeoutMs: (this.settings.connectTimeoutSeconds + 5) * 1000,
            });
          }
        } finally {
          release();
        }
        return;
      }
      // Another job is starting the master: wait for it, then use it (or connect directly).
      if (this.masterRunning() || Date.now() > deadline) return;
      await sleep(100); // never Atomics.wait: a watch agent's parallel builds share this event loop
    }
  }

  /**
   * Drops a master that may be half-open after an error, so the next call reconnects.
   * Not on success: other jobs' sessions share the master; ControlPersist ends it.
   */
  close(): void {
    runQuick('ssh', [...this.options(), '-O', 'exit', this.destination()], { discardOutput: true });
  }

  /**
   * Runs words on the node; throws SpoolError('unreachable') when the connection failed.
   * Only idempotent commands may be retried: after a dropped connection the remote command
   * may have run (killing the local ssh does not stop it).
   */
  async run(words: readonly string[], options: { idempotent: boolean; input?: Buffer } = { idempotent: true }): Promise<RemoteResult> {
    const command = this.timedCommand(words);
    const retries = options.idempotent ? this.settings.retries : 0;
    const signal = this.settings.signal;
    const outcome = await retrying<RemoteResult>({ retries, backoffMs: this.settings.backoffMs, signal }, async () => {
      await this.ensureMaster();
      this.assertNotStopped();
      // Whatever the node prints is read up to a bound (head ends the flood; one byte more
      // than the bound tells an overflow from output of exactly the bound).
      const cap = this.settings.maxOutputBytes;
      const noStdin = options.input ? [] : ['-n'];
      const out = await sh({
        input: options.input,
        signal,
      })`ssh ${noStdin} ${this.options()} ${this.destination()} -- ${command} 2> >(head -c ${cap} >&2) | head -c ${cap + 1}`;
      this.assertNotStopped();
      if (Buffer.byteLength(out.stdout) > cap) {
        throw new NodeIntegrityError(this.name, `node ${this.name} printed more than ${cap} bytes in answer to ${words[0] ?? 'a command'}: refused unread`);
      }
      const stderr = sshMessage(out.stderr);
      if (out.exitCode !== CONNECTION_FAILED) return { value: { exitCode: out.exitCode ?? 1, stdout: out.stdout, stderr } };
      this.close();
      return { retry: stderr.trim() || 'ssh exited 255' };
    });
    if ('value' in outcome) return outcome.value;
    this.assertNotStopped();
    throw this.dropped(outcome.gaveUp);
  }

  /** ssh's 255: the node could not be reached, or the connection dropped mid-call. */
  private dropped(why: string): NodeUnreachableError {
    return new NodeUnreachableError(this.name, `node ${this.name} (${this.destination()}:${this.node.port}) is unreachable or the connection dropped: ${why}`);
  }

  /**
   * `timeout` re-raises its child's deadly signal, and ssh reports a remote command killed
   * by a signal as 255, the same as "could not connect". Through `sh -c '…; exit $?'` a
   * killed command becomes an ordinary status of 128+N (REMOTE_KILLED), never 255.
   */
  private timedCommand(words: readonly string[]): string {
    return remoteCommand(['sh', '-c', 'timeout --kill-after=30 "$@"; exit $?', 'sh', String(this.settings.commandTimeoutSeconds), ...words]);
  }

  /**
   * Runs words once (never retried: what they do is not idempotent), input on their stdin
   * and their stdout streamed into sink (a node's results: more than may be held in
   * memory). stdout's head (up to maxOutputBytes) comes back too, for a failed command's
   * JSON error. A failed connection is NodeUnreachableError.
   */
  async stream(words: readonly string[], input: Buffer, sink: Writable): Promise<RemoteResult> {
    await this.ensureMaster();
    this.assertNotStopped();
    const cap = this.settings.maxOutputBytes;
    const out = await runStreaming('ssh', [...this.options(), this.destination(), '--', this.timedCommand(words)], {
      input,
      sink,
      headBytes: cap,
      maxStderrBytes: cap,
      env: startupFreeEnv(),
      signal: this.settings.signal,
    });
    this.assertNotStopped();
    // The stream was refused (NodeIntegrityError) and ssh ended for it (ssh exits 255 on SIGTERM): the refusal is what failed.
    if (out.stoppedBySink && sink.errored) throw sink.errored;
    const stderr = sshMessage(out.stderr.toString('utf8'));
    if (out.exitCode === CONNECTION_FAILED) {
      this.close();
      throw this.dropped(stderr.trim() || 'ssh exited 255');
    }
    // A command that exited 0 answered with what the sink refused; one that failed says why by its status.
    if (out.exitCode === 0 && sink.errored) throw sink.errored;
    if (out.error && !sink.errored) throw new SpoolError('failed', `ssh to ${this.name} did not run: ${out.error.message}`);
    return { exitCode: out.exitCode ?? REMOTE_KILLED + os.constants.signals.SIGTERM, stdout: out.stdoutHead.toString('utf8'), stderr };
  }

  private assertNotStopped(): void {
    if (this.settings.signal?.aborted) throw new SpoolError('failed', `stopped: the call to ${this.name} was cut short`);
  }

  /** Runs words and insists on exit 0. */
  async check(words: readonly string[]): Promise<string> {
    const result = await this.run(words);
    if (result.exitCode !== 0) throw new SpoolError('failed', `on ${this.name}: ${words.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`);
    return result.stdout;
  }

  /**
   * Places content at an absolute remote path, atomically, never over an existing file,
   * in one round trip: it goes through ssh's stdin into a temp in stagingDir, whose size
   * and sha256 are checked (a dropped connection must not leave a truncated file under
   * the name), then hard-linked to its name and removed. Idempotent: if the name already
   * holds exactly this content (a retry after the first attempt's link landed), that is
   * success; different content is TargetExistsError.
   */
  async put(content: string, remotePath: string, stagingDir: string): Promise<void> {
    assertAbsolute(remotePath, stagingDir);
    const data = Buffer.from(content);
    const temp = path.posix.join(stagingDir, `part-${crypto.randomBytes(6).toString('hex')}`);
    const script = [
      'mkdir -p -- "$2" "$3" && cat > "$1" || { rm -f -- "$1"; exit 1; }',
      `if [ "$(wc -c < "$1")" != "$5" ] || [ "$(sha256sum < "$1" | cut -d ' ' -f 1)" != "$6" ]; then rm -f -- "$1"; echo "truncated in ` +
        `transit" >&2; exit ${PUT_TRUNCATED}; fi`,
      `if ln -- "$1" "$4" 2>/dev/null; then status=0; elif cmp -s -- "$1" "$4"; then status=0; else status=${PUT_EXISTS}; fi`,
      'rm -f -- "$1"; exit $status',
    ].join('\n');
    const sha256 = crypto.createHash('sha256').update(data).digest('hex');
    const placed = await this.run(['sh', '-c', script, 'sh', temp, path.posix.dirname(remotePath), stagingDir, remotePath, String(data.length), sha256], {
      idempotent: true,
      input: data,
    });
    if (placed.exitCode === PUT_EXISTS) throw new TargetExistsError(`${this.name}:${remotePath}`);
    if (placed.exitCode === PUT_TRUNCATED)
      throw new NodeUnreachableError(this.name, `node ${this.name}: ${remotePath} arrived truncated (connection dropped mid-transfer); nothing was placed`);
    if (placed.exitCode !== 0) throw new SpoolError('failed', `placing ${remotePath} on ${this.name} failed: ${placed.stderr.trim()}`);
  }

  /**
   * Copies a remote directory (absolute path) to a local directory that must not exist yet.
   * No file written may exceed maxFileBytes: scp runs under that file-size limit, so a node
   * sending more than it announced is cut off by the kernel, not after the disk is full.
   */
  async getDir(remoteDir: string, localDir: string, maxFileBytes: number): Promise<void> {
    assertAbsolute(localDir, remoteDir);
    await this.scp(['-r', `${this.destination()}:${remoteDir}`, localDir], maxFileBytes);
  }

  private async scp(args: string[], maxFileBytes: number): Promise<void> {
    // scp reads the port as -P and speaks SFTP: remote paths are not shell-parsed. Local
    // paths are absolute, so a ':' in an epoch version is never taken for host:path.
    const options = this.options().map((o, i, all) => (o === '-p' && i + 1 < all.length ? '-P' : o));
    const outcome = await retrying<true>({ retries: this.settings.retries, backoffMs: this.settings.backoffMs, signal: this.settings.signal }, async () => {
      await this.ensureMaster();
      this.assertNotStopped();
      // A file beyond the limit kills scp with SIGXFSZ: a failure, as a remote file error is.
      const out = await sh({ signal: this.settings.signal })`prlimit --fsize=${Math.max(1, maxFileBytes)} scp -q ${options} ${args}`;
      this.assertNotStopped();
      if (out.exitCode === 0) return { value: true };
      this.close();
      // scp, like ssh, exits 255 when the connection failed or dropped, 1 for a remote file error
      const stderr = sshMessage(out.stderr).slice(0, this.settings.maxOutputBytes);
      // Killed by the signal itself when bash execs scp as its last command, 128 + it when bash reports it.
      if (out.signal === 'SIGXFSZ' || out.exitCode === REMOTE_KILLED + os.constants.signals.SIGXFSZ) {
        throw new NodeIntegrityError(
          this.name,
          `node ${this.name} sent a file larger than ${maxFileBytes} bytes, more than it announced: the copy was cut off`,
        );
      }
      if (out.exitCode !== CONNECTION_FAILED) throw new SpoolError('failed', `scp on ${this.name} failed: ${stderr.trim()}`);
      return { retry: stderr.trim() || 'scp exited 255' };
    });
    if ('value' in outcome) return;
    this.assertNotStopped();
    throw new NodeUnreachableError(this.name, `node ${this.name} is unreachable: ${outcome.gaveUp}`);
  }
}

/** OpenSSH ends its own messages with \r\n: as one text for people and for a Last-Failure. */
function sshMessage(stderr: string): string {
  return stderr.replace(/\r\n/g, '\n');
}

function assertAbsolute(...paths: string[]): void {
  for (const p of paths) if (!p.startsWith('/')) throw new Error(`transport paths must be absolute (a ':' could be read as host:path): ${p}`);
}
