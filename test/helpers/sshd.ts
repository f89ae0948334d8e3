/**
 * A real sshd for a test node: own host key, own port on 127.0.0.1, own authorized client
 * key and known_hosts, own spool root; stopped by pid when the test ends.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { NodeConfig } from '../../src/config/config.js';
import { tempDir } from './spool.js';
import { sleep } from '../../src/retry.js';
import { freePort } from './port.js';

export interface TestSshd {
  readonly node: NodeConfig;
  readonly dir: string;
  /** Kills the listener and every connection it serves, as a crashed or rebooted node would. */
  kill(): void;
  /** Starts sshd again on the same port with the same keys. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function waitForPort(port: number, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`sshd did not listen on ${port}`);
}

export async function startSshd(arch = 'amd64'): Promise<TestSshd> {
  const dir = tempDir('sshd');
  const key = (name: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path.join(dir, name)]);
  key('host_key');
  key('client_key');
  fs.copyFileSync(path.join(dir, 'client_key.pub'), path.join(dir, 'authorized_keys'));
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${fs.readFileSync(path.join(dir, 'host_key.pub'), 'utf8')}`);
  fs.writeFileSync(
    path.join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(dir, 'host_key')}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'Subsystem sftp /usr/lib/openssh/sftp-server',
      'LogLevel ERROR',
    ].join('\n') + '\n',
  );
  fs.mkdirSync('/run/sshd', { recursive: true });
  const launch = async (): Promise<ChildProcess> => {
    const started = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    await waitForPort(port, Date.now() + 10_000);
    return started;
  };
  let child = await launch();
  const root = path.join(dir, 'spool');
  fs.mkdirSync(root);
  return {
    dir,
    kill: () => {
      spawnSync('pkill', ['-KILL', '-P', String(child.pid)]);
      child.kill('SIGKILL');
    },
    restart: async () => {
      child = await launch();
    },
    node: {
      host: '127.0.0.1',
      port,
      user: 'root',
      identityFile: path.join(dir, 'client_key'),
      knownHostsFile: path.join(dir, 'known_hosts'),
      root,
      arch,
      command: ['repro-spool'],
      agent: false,
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
