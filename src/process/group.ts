/**
 * Running a command in its own process group with a timeout that ends the whole group
 * (SIGTERM, a grace period, SIGKILL), output appended to a log file. An abort signal
 * ends the group the same way, for a builder told to stop. Spawning is injectable so
 * tests can control it.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import fs from 'node:fs';

export interface Spawner {
  spawn(command: string, args: readonly string[], options: SpawnOptions): ChildProcess;
}

export const realSpawner: Spawner = { spawn: (command, args, options) => spawn(command, args, options) };

export interface GroupRun {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly logFile: string;
  readonly timeoutMs: number;
  readonly killGraceMs: number;
  /** Called with the group's pid (= pgid) as soon as it runs, e.g. to record it in the lock. */
  readonly onStart?: (pgid: number) => void;
  /** Ends the group like the timeout does; already aborted, the group is ended as soon as it runs. */
  readonly signal?: AbortSignal;
  /** Given on stdin (a notification hook's event), then stdin is closed; default: no stdin. */
  readonly input?: string;
}

export interface GroupResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly durationMs: number;
}

export function runInGroup(run: GroupRun, spawner: Spawner = realSpawner): Promise<GroupResult> {
  const started = performance.now();
  const log = fs.openSync(run.logFile, 'a');
  return new Promise((resolve, reject) => {
    const child = spawner.spawn(run.command, run.args, {
      cwd: run.cwd,
      env: run.env,
      detached: true,
      stdio: [run.input === undefined ? 'ignore' : 'pipe', log, log],
    });
    if (run.input !== undefined) {
      // A command that exits without reading its stdin (EPIPE) is judged by its exit status; any other error is the run's.
      child.stdin?.on('error', (error: NodeJS.ErrnoException) => error.code !== 'EPIPE' && reject(error));
      child.stdin?.end(run.input);
    }
    let timedOut = false;
    let killer: NodeJS.Timeout | undefined;
    const end = () => {
      if (killer) return; // already ending: the first grace period stands
      signalGroup(child.pid, 'SIGTERM');
      killer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), run.killGraceMs);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      end();
    }, run.timeoutMs);
    const settle = () => {
      clearTimeout(timer);
      run.signal?.removeEventListener('abort', end);
      fs.closeSync(log);
    };
    child.once('spawn', () => {
      run.onStart?.(child.pid!);
      if (run.signal?.aborted) end();
      else run.signal?.addEventListener('abort', end, { once: true });
    });
    child.once('error', (error) => {
      settle();
      reject(error);
    });
    child.once('exit', (exitCode, signal) => {
      clearTimeout(killer);
      // Whatever the leader left behind in its group goes with it.
      signalGroup(child.pid, 'SIGKILL');
      settle();
      resolve({ exitCode, signal, timedOut, durationMs: performance.now() - started });
    });
  });
}

function signalGroup(pgid: number | undefined, signal: NodeJS.Signals): void {
  if (pgid === undefined) return;
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // the group is already gone
  }
}
