import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { shellQuote } from '../../src/transport/quote.js';
import { SshTransport } from '../../src/transport/ssh.js';
import { NodeIntegrityError } from '../../src/errors.js';
import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { type TestSshd, startSshd } from '../helpers/sshd.js';
import { PROJECT, tempDir } from '../helpers/spool.js';

const SETTINGS = { ...DEFAULT_SETTINGS.ssh, connectTimeoutSeconds: 3, retries: 1, backoffMs: 50, commandTimeoutSeconds: 60 };
let sshd: TestSshd;
let node1: SshTransport;
before(async () => {
  sshd = await startSshd();
  node1 = new SshTransport('node1', sshd.node, SETTINGS);
});
after(async () => {
  node1.close();
  await sshd.stop();
});

describe('the ssh transport against a real sshd', () => {
  it("is not disturbed by the invoking user's shell startup files, as under cron, systemd or a Jenkins agent reached over ssh", () => {
    const home = tempDir('noisy-home');
    fs.writeFileSync(path.join(home, '.bashrc'), 'echo NOISE FROM BASHRC\n');
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, SSH_CLIENT: '127.0.0.1 50000 22', BASH_ENV: path.join(home, '.bashrc') };
    delete env.SHLVL;
    const out = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT, 'test/helpers/ssh-echo.ts'), JSON.stringify(sshd.node)], {
      env,
      cwd: PROJECT,
      encoding: 'utf8',
    });
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout, 'hello\n');
  });

  it('runs a command on the node and returns its output', async () => {
    assert.equal(await node1.check(['echo', 'hello', 'world']), 'hello world\n');
    assert.equal((await node1.run(['sh', '-c', 'exit 3'])).exitCode, 3, 'a failing command is not a connection failure');
  });

  it('passes hostile words through the remote shell as plain data, executing nothing', async () => {
    const canary = path.join(tempDir('canary'), 'PWNED');
    const hostile = [
      `$(touch ${canary})`,
      `; touch ${canary}`,
      `\`touch ${canary}\``,
      "it's",
      'two words',
      'new\nline',
      '"quoted"',
      '\\back',
      '*',
      '~',
      '1:2.10-3',
    ];
    for (const word of hostile) {
      assert.equal(await node1.check(['printf', '%s', word]), word, JSON.stringify(word));
    }
    assert.equal(fs.existsSync(canary), false, 'nothing was executed');
    assert.equal(shellQuote("a'b"), "'a'\\''b'");
    assert.throws(() => shellQuote('a\0b'), /NUL byte/);
  });

  it('places a file atomically at an epoch-versioned path, idempotently, and never over other content', async () => {
    const target = path.join(sshd.node.root, 'reproducible-builds/node1/bookworm/amd64/hello/1:2.10-3');
    const staging = path.join(sshd.node.root, 'tmp');
    await node1.put('Source: hello\nVersion: 1:2.10-3\n', target, staging);
    assert.equal(fs.readFileSync(target, 'utf8'), 'Source: hello\nVersion: 1:2.10-3\n');
    await node1.put('Source: hello\nVersion: 1:2.10-3\n', target, staging); // a retry after the first link landed: the same content is success
    await assert.rejects(node1.put('different', target, staging), /refusing to overwrite node1:.*1:2\.10-3/);
    assert.equal(fs.readFileSync(target, 'utf8'), 'Source: hello\nVersion: 1:2.10-3\n', 'the first copy survives');
    assert.deepEqual(fs.readdirSync(path.dirname(target)), ['1:2.10-3']);
    assert.deepEqual(fs.readdirSync(staging), [], 'no temp left on the node');
  });

  it('fetches a results directory whose name carries an epoch', async () => {
    const remote = path.join(sshd.node.root, 'reproducible-results/node1/bookworm/amd64/hello/1:2.10-3');
    fs.mkdirSync(remote, { recursive: true });
    fs.writeFileSync(path.join(remote, 'result'), 'Status: built\n');
    const local = path.join(tempDir('get'), 'fetched:1');
    await node1.getDir(remote, local, 1 << 20);
    assert.equal(fs.readFileSync(path.join(local, 'result'), 'utf8'), 'Status: built\n');
  });

  it('cuts off a copy whose file is larger than announced (the kernel ends scp), as an integrity error of the node', async () => {
    const remote = path.join(sshd.node.root, 'reproducible-results/node1/bookworm/amd64/big/1.0');
    fs.mkdirSync(remote, { recursive: true });
    fs.writeFileSync(path.join(remote, 'big_1.0_amd64.deb'), Buffer.alloc(64 * 1024, 1));
    const local = path.join(tempDir('get-big'), 'fetched');
    await assert.rejects(
      node1.getDir(remote, local, 4096),
      (error: unknown) => error instanceof NodeIntegrityError && /sent a file larger than 4096 bytes, more than it announced/.test(error.message),
    );
    const kept = fs.existsSync(path.join(local, 'big_1.0_amd64.deb')) ? fs.statSync(path.join(local, 'big_1.0_amd64.deb')).size : 0;
    assert.ok(kept <= 4096, `at most the limit was written (${kept} bytes)`);
  });

  it('refuses a command that prints more than maxOutputBytes, unread, and cuts its stderr there', async () => {
    const small = new SshTransport('node1', sshd.node, { ...SETTINGS, maxOutputBytes: 1000 });
    await assert.rejects(
      small.run(['head', '-c', '5000', '/dev/zero']),
      (error: unknown) => error instanceof NodeIntegrityError && /printed more than 1000 bytes in answer to head/.test(error.message),
    );
    const noisy = await small.run(['sh', '-c', 'head -c 5000 /dev/zero | tr "\\0" x >&2; echo fine']);
    assert.equal(noisy.stdout, 'fine\n');
    assert.equal(noisy.stderr.length, 1000);
  });

  it('reports a node that is down as unreachable (exit 6) after its retries', async () => {
    const down = new SshTransport('down', { ...sshd.node, port: 9 }, SETTINGS);
    const started = Date.now();
    await assert.rejects(
      down.run(['true']),
      (e: unknown) => (e as { exitCode: number }).exitCode === 6 && /node down \(root@127\.0\.0\.1:9\) is unreachable/.test((e as Error).message),
    );
    assert.ok(Date.now() - started < 20_000, 'bounded by ConnectTimeout and retries');
  });
});
