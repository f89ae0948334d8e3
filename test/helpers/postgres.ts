/**
 * A PostgreSQL server of the tests' own: initdb into a temp dir (as the unprivileged
 * postgres user when the tests run as root: the server refuses root), listening on
 * 127.0.0.1 on a free port and on a Unix socket in that dir, stopped and removed at the
 * end. It can be SIGKILLed and started again on the same data, as a crash would.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { sleep } from '../../src/retry.js';
import { freePort } from './port.js';

export interface Postgres {
  readonly port: number;
  /** The server's default database, for administration. */
  readonly adminUrl: string;
  /** A new empty database on the server, as a URL. */
  newDatabase(): Promise<string>;
  /** SIGKILL the server and every backend: a crash. */
  kill(): Promise<void>;
  /** SIGSTOP the server and every backend: it keeps its connections and answers nothing (a hung server). */
  pause(): void;
  /** SIGCONT them again. */
  resume(): void;
  /** Start it again on the same data (it recovers from its WAL). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

function binDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base) ? fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin/initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('no PostgreSQL server under /usr/lib/postgresql: run scripts/setup (it installs postgresql)');
  return path.join(base, newest, 'bin');
}

/** As root, run the server's programs as postgres; otherwise as ourselves. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

/** A backend may end between being listed and being signalled. */
function signalIfAlive(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export async function startPostgres(): Promise<Postgres> {
  const bin = binDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'repro-spool-pg-'));
  const data = path.join(dir, 'data');
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres:', dir]);
  const [initdb, initArgs] = asServerUser(path.join(bin, 'initdb'), ['-D', data, '-U', 'repro', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  execFileSync(initdb, initArgs, { stdio: 'ignore' });
  const port = await freePort();
  const adminUrl = `postgresql://repro@127.0.0.1:${port}/postgres`;
  let server: ChildProcess | undefined;

  const start = async () => {
    const [command, args] = asServerUser(path.join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1']);
    const log = fs.openSync(path.join(dir, 'server.log'), 'a');
    const child = spawn(command, args, { stdio: ['ignore', log, log], detached: true });
    fs.closeSync(log);
    server = child;
    for (let i = 0; i < 300; i++) {
      if (child.exitCode !== null)
        throw new Error(
          `postgres exited ${child.exitCode} at start: ${fs.readFileSync(path.join(dir, 'server.log'), 'utf8').trim().split('\n').slice(-3).join(' | ')}`,
        );
      const client = new pg.Client({ connectionString: adminUrl });
      try {
        await client.connect();
        await client.end();
        return;
      } catch {
        await sleep(50);
      }
    }
    throw new Error('postgres did not accept connections within 15 s');
  };

  const pidFile = path.join(data, 'postmaster.pid');
  /** Dead, or a zombie nobody reaps (a container's PID 1 may not): either way it holds nothing. */
  const gone = (pid: number) => {
    try {
      return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
    } catch {
      return true;
    }
  };
  const signalAll = async (signal: NodeJS.Signals) => {
    const child = server;
    if (!child || child.exitCode !== null) return;
    const postmaster = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(postmaster, signal);
    await exited;
    for (let i = 0; i < 200 && !gone(postmaster); i++) await sleep(25);
    if (signal === 'SIGKILL') fs.rmSync(pidFile, { force: true }); // what a crash leaves; the server recovers from its WAL
  };

  /** The postmaster and every process it started (its backends). */
  const serverProcesses = (): number[] => {
    const postmaster = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    const children = fs
      .readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((pid) => {
        try {
          return Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]) === postmaster;
        } catch {
          return false; // ended meanwhile
        }
      })
      .map(Number);
    return [postmaster, ...children];
  };

  await start();
  return {
    port,
    adminUrl,
    newDatabase: async () => {
      const name = `t_${crypto.randomBytes(6).toString('hex')}`;
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`CREATE DATABASE ${name}`);
      await client.end();
      return `postgresql://repro@127.0.0.1:${port}/${name}`;
    },
    kill: () => signalAll('SIGKILL'),
    pause: () => serverProcesses().forEach((pid) => signalIfAlive(pid, 'SIGSTOP')),
    // runuser stops itself when its child stops (as su does, for job control): it goes on too.
    resume: () => [...serverProcesses(), ...(server?.pid ? [server.pid] : [])].forEach((pid) => signalIfAlive(pid, 'SIGCONT')),
    start,
    stop: async () => {
      await signalAll('SIGINT'); // fast shutdown
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
