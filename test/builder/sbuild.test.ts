/**
 * Builds in a fresh copy of the base chroot (sbuild, unshare mode), with real tools: the
 * shared test chroot made by `chroot create`, generated packages from a local mirror
 * whose apt repository also serves a build dependency the host does not have.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Layout } from '../../src/spool/layout.js';
import { FileStore } from '../../src/store/file-store.js';
import { testChroot } from '../helpers/chroot.js';
import { type Mirror, startMirror } from '../helpers/mirror.js';
import { until } from '../helpers/until.js';
import { assertCpuCounts, assertPersonalities, assertVariedEnvironments, parseEnv } from '../helpers/variations.js';
import { CLI, census, cliAsync, sandbox, tempDir } from '../helpers/spool.js';
import { enqueueArgs } from '../helpers/spool.js';
import { fromJson } from '../helpers/spool.js';
import { writeConfig } from '../helpers/spool.js';

let mirror: Mirror;
let chroots: string;
let listener: net.Server;
let connections = 0;
/** The spool root (in a 0700 directory, as in a Debian 12 home) and a secret beside it that the prober package tries to reach from inside its build. */
const host = sandbox('sbuild');
const SECRET = 'secret-ssh-key-material';

/** What each build records into its package, so the .deb shows what the build saw and could do. */
function proberRules(port: number): string[] {
  return [
    'mkdir -p out',
    'env | sort > out/env',
    'umask > out/umask',
    'id -un > out/user',
    'id -u > out/uid',
    'id -g > out/gid',
    'hostname > out/hostname',
    'domainname > out/domainname',
    'uname -r > out/uname',
    'cat /proc/self/personality > out/personality',
    'nproc > out/nproc',
    'pwd > out/cwd',
    'date +%Y > out/year',
    'ls /etc/dpkg/dpkg.cfg.d > out/dpkg-cfg',
    `(touch ${host.root}/written-by-a-build && echo wrote) > out/spool 2>&1 || true`,
    '(touch /root/written-by-a-build && echo wrote) > out/root 2>&1 || true',
    `(cat ${host.dir}/secret) > out/secret 2>&1 || true`,
    `(bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port} && echo connected') > out/net 2>&1 || true`,
  ];
}

before(async () => {
  listener = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as net.AddressInfo).port;
  fs.writeFileSync(path.join(host.dir, 'secret'), `${SECRET}\n`, { mode: 0o600 });
  [mirror, chroots] = await Promise.all([
    startMirror(
      [
        { name: 'needs-tool', version: '1.0', buildDepends: 'repro-test-tool', build: ['mkdir -p out', 'repro-test-tool > out/data'] },
        { name: 'prober', version: '1.0', build: proberRules(port) },
        { name: 'needy', version: '1.0', buildDepends: 'no-such-package-anywhere (>= 9)' },
        // Fails when the process clock disagrees with the kernel's (boot time + uptime): what faketime does to build 2 (as to datefudge's tests).
        {
          name: 'clocky',
          version: '1.0',
          build: ['mkdir -p out', "test $$(( $$(date +%s) - $$(awk '/^btime/ {print $$2}' /proc/stat) - $$(cut -d. -f1 /proc/uptime) )) -lt 86400"],
        },
        { name: 'sleepy', version: '1.0', build: ['sleep 87'] },
      ],
      'bookworm',
      [{ name: 'repro-test-tool', version: '1.0', files: { 'usr/bin/repro-test-tool': '#!/bin/sh\necho made by a build dependency from the archive\n' } }],
    ),
    testChroot(),
  ]);
});
after(async () => {
  await mirror.close();
  listener.close();
});

function configure(dir: string, extra: Record<string, unknown> = {}): string {
  const config = writeConfig(dir, {
    root: 'root',
    mirror: mirror.url,
    suites: ['bookworm'],
    chroots: { dir: chroots, extraRepositories: [mirror.aptSource] },
    thresholds: { downloadRetries: 0 },
    ...extra,
  });
  return config;
}

interface CheckJson {
  verdict: string;
  detail?: string;
  unsatisfiable?: string;
  failsOnlyIn?: number;
  archive: string;
  diffoscope?: string;
  builds: Array<{ status: string; buildNumber: number }>;
}

async function check(root: string, config: string, pkg: string): Promise<CheckJson & { stderr: string }> {
  const result = await cliAsync(root, ['--config', config, '--json', 'build', pkg, '--arch', 'amd64']);
  assert.equal(result.status, 0, `a verdict was reached: ${result.stderr}`);
  return { ...(JSON.parse(result.stdout) as CheckJson), stderr: result.stderr };
}

function debFile(archive: string, build: number, pkg: string, file: string): string {
  const dir = path.join(archive, `build${build}`);
  const deb = fs.readdirSync(dir).find((n) => n.endsWith('.deb'))!;
  const out = tempDir('deb');
  execFileSync('dpkg-deb', ['-x', path.join(dir, deb), out]);
  return fs.readFileSync(path.join(out, 'usr/share', pkg, file), 'utf8').trim();
}

/** A tmpfs directory of this test's own to unpack into: builds of other test files running at once unpack into /dev/shm too. */
function ownTmpfs(): string {
  const dir = fs.mkdtempSync('/dev/shm/repro-spool-test-');
  fs.chmodSync(dir, 0o755); // searchable by the build's namespace, as /dev/shm itself
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
const scratchLeft = (unpackDir: string) => fs.readdirSync(unpackDir).filter((n) => n.startsWith('repro-spool-'));

describe('a build in a fresh copy of the base chroot', () => {
  it('installs a build dependency the host does not have from the archive, and finds the package reproducible', async () => {
    assert.notEqual(spawnSync('dpkg-query', ['-W', 'repro-test-tool']).status, 0, 'the host does not have the build dependency');
    const s = sandbox('sbuild-deps');
    const unpackDir = ownTmpfs();
    const config = configure(s.dir, { chroots: { dir: chroots, extraRepositories: [mirror.aptSource], unpackDir } });
    const verdict = await check(s.root, config, 'needs-tool');
    assert.equal(verdict.verdict, 'reproducible');
    assert.deepEqual(
      verdict.builds.map((b) => b.status),
      ['built', 'built'],
    );
    assert.equal(debFile(verdict.archive, 1, 'needs-tool', 'data'), 'made by a build dependency from the archive');
    assert.match(verdict.stderr, /build 1 of needs-tool 1\.0: install package build dependencies/, 'progress of the long steps on stderr');
    const variations = fs.readFileSync(path.join(verdict.archive, 'build1', 'variations'), 'utf8');
    assert.match(variations, /^Builder: sbuild \(unshare mode\) in a fresh copy of bookworm_amd64\.tar/m);
    assert.match(variations, /^Network: none during the build/m);
    assert.match(variations, /^Apt-Update: run: the base chroot has no lists of the configured extra repositories$/m);
    assert.match(
      execFileSync('zcat', [path.join(verdict.archive, 'build1', 'build.log.gz')], { encoding: 'utf8' }),
      /^Status: successful$/m,
      "the build log is sbuild's",
    );
    const store = new FileStore(path.join(s.root, 'reproducible.db'), { lockStaleMs: 10_000, lockUpdateMs: 2_000, waitMs: 10_000, pollMs: 5 });
    const rows = await store.read((db) => db.all<{ node: string; status: string }>('SELECT node, status FROM builds ORDER BY build_number'));
    assert.deepEqual(rows, [
      { node: 'local1', status: 'built' },
      { node: 'local2', status: 'built' },
    ]);
    assert.equal(census(s.layout).entries.size, 0);
    assert.deepEqual(fs.existsSync(path.join(s.root, 'build')) ? fs.readdirSync(path.join(s.root, 'build')) : [], []);
    assert.deepEqual(scratchLeft(unpackDir), [], 'no chroot copy left on the tmpfs');
  });

  it('applies every variation inside the chroot, as another unprivileged user per build, and contains the build', async () => {
    // No extra repositories and a chroot younger than the age: apt's update is skipped (prober needs nothing from the archive).
    const config = configure(host.dir, { chroots: { dir: chroots }, thresholds: { downloadRetries: 0, aptUpdateMaxAgeSeconds: 7 * 86400 } });
    const verdict = await check(host.root, config, 'prober');
    assert.equal(verdict.verdict, 'unreproducible');
    assert.equal(verdict.diffoscope, 'written');
    const read = (n: number, file: string) => debFile(verdict.archive, n, 'prober', file);
    assertVariedEnvironments(parseEnv(read(1, 'env')), parseEnv(read(2, 'env')));
    assert.deepEqual([read(1, 'umask'), read(2, 'umask')], ['0022', '0002']);
    assert.deepEqual([read(1, 'user'), read(1, 'uid'), read(1, 'gid')], ['pbuilder1', '1111', '1111']);
    assert.deepEqual([read(2, 'user'), read(2, 'uid'), read(2, 'gid')], ['pbuilder2', '2222', '2222']);
    assert.equal(read(1, 'uname'), os.release(), "build 1 sees the node's kernel");
    assert.match(read(2, 'uname'), /^2\.6\./, 'build 2 runs under setarch --uname-2.6');
    assertPersonalities(read(1, 'personality'), read(2, 'personality'));
    assertCpuCounts(read(1, 'nproc'), read(2, 'nproc'));
    assert.equal(read(2, 'hostname'), 'i-capture-the-hostname');
    assert.equal(read(2, 'domainname'), 'i-capture-the-domainname');
    assert.notEqual(read(1, 'hostname'), 'i-capture-the-hostname');
    assert.equal(read(1, 'cwd'), '/build/1st/prober-1.0');
    assert.equal(read(2, 'cwd'), '/build/2/prober-1.0/2nd');
    assert.ok(Number(read(2, 'year')) - Number(read(1, 'year')) >= 1, 'faketime moved the clock of build 2 by 398 days');
    for (const n of [1, 2]) {
      assert.doesNotMatch(read(n, 'spool'), /wrote/, 'the spool root is out of reach');
      assert.doesNotMatch(read(n, 'root'), /wrote/, '/root is not writable');
      assert.doesNotMatch(read(n, 'secret'), new RegExp(SECRET), 'files of the host are out of reach');
      assert.doesNotMatch(read(n, 'net'), /connected/, 'no network during the build');
    }
    assert.equal(connections, 0, 'the listening test server saw no connection');
    assert.equal(fs.existsSync(path.join(host.root, 'written-by-a-build')), false);
    assert.equal(fs.existsSync('/root/written-by-a-build'), false);
    const recorded = fs.readFileSync(path.join(verdict.archive, 'build2', 'variations'), 'utf8');
    assert.match(recorded, /^Build-User: pbuilder2 \(uid 2222, gid 2222\)$/m);
    assert.match(recorded, /^Clock: faketime \+398d$/m);
    assert.match(recorded, /^disorderfs: skipped: sbuild's unshare mode gives the build no \/dev\/fuse/m);
    assert.match(recorded, /^ASLR: the node's$/m);
    const recorded1 = fs.readFileSync(path.join(verdict.archive, 'build1', 'variations'), 'utf8');
    assert.match(recorded1, /^ASLR: off \(setarch --addr-no-randomize\)$/m);
    assert.match(recorded1, /^Apt-Update: skipped: the base chroot's package lists are .+ old, under /m);
    assert.match(recorded1, /^Quick-Setup: on /m);
    for (const n of [1, 2]) {
      assert.doesNotMatch(read(n, 'dpkg-cfg'), /repro-spool-unsafe-io/, "quick setup's dpkg switch is gone before the build");
      assert.match(
        fs.readFileSync(path.join(verdict.archive, `build${n}`, 'result'), 'utf8'),
        /^Stage-Seconds: setup=[0-9.]+ install=[0-9.]+ build=[0-9.]+ package=[0-9.]+$/m,
        'every stage of an sbuild build is timed',
      );
    }
    assert.match(fs.readFileSync(path.join(verdict.archive, 'diffoscope.txt'), 'utf8'), /usr\/share\/prober\/uname/);
  });

  it('reports depwait naming the relation that cannot be satisfied in the suite', async () => {
    const s = sandbox('sbuild-depwait');
    const verdict = await check(s.root, configure(s.dir), 'needy');
    assert.equal(verdict.verdict, 'depwait');
    assert.match(verdict.unsatisfiable!, /no-such-package-anywhere(:amd64)? \(>= 9\)/);
    assert.match(verdict.detail!, /unsatisfiable build dependencies: no-such-package-anywhere/);
    assert.match(fs.readFileSync(path.join(verdict.archive, 'verdict'), 'utf8'), /^Unsatisfiable: no-such-package-anywhere/m);
    assert.match(fs.readFileSync(path.join(verdict.archive, 'build1', 'result'), 'utf8'), /^Unsatisfiable: no-such-package-anywhere/m);
  });

  it('reports a package that fails only under the clock variation as failing in build 2 only; with the clock variation off it builds', async () => {
    const faked = sandbox('sbuild-clock');
    const verdict = await check(faked.root, configure(faked.dir), 'clocky');
    assert.equal(verdict.verdict, 'FTBFS');
    assert.equal(verdict.failsOnlyIn, 2);
    assert.match(verdict.detail!, /in build 2 only/);
    assert.match(fs.readFileSync(path.join(verdict.archive, 'verdict'), 'utf8'), /^Fails-Only-In: build 2$/m);

    const off = sandbox('sbuild-clock-off');
    const plain = await check(off.root, configure(off.dir, { clock: 'off' }), 'clocky');
    assert.equal(plain.verdict, 'reproducible');
    assert.match(fs.readFileSync(path.join(plain.archive, 'build2', 'variations'), 'utf8'), /^Clock: off$/m);
  });
});

describe('a node that cannot build in a chroot', () => {
  it('hands the entry back without counting an attempt and exits 6 naming the missing chroot', async () => {
    const s = sandbox('sbuild-nochroot');
    const config = path.join(s.dir, 'node.json');
    fs.writeFileSync(config, JSON.stringify({ root: 'root', node: 'node1', mirror: mirror.url, chroots: { dir: path.join(s.dir, 'no-chroots') } }));
    const enqueued = await cliAsync(s.root, [
      '--config',
      config,
      ...enqueueArgs('needs-tool', '1.0', mirror.dsc['needs-tool']!.sha256, { node: 'node1', fields: [`Dsc-Url=${mirror.dsc['needs-tool']!.path}`] }),
    ]);
    assert.equal(enqueued.status, 0, enqueued.stderr);
    const built = await cliAsync(s.root, ['--config', config, '--json', 'build', '1']);
    assert.equal(built.status, 6);
    assert.match(built.stderr, /no build chroot for bookworm\/amd64 .*chroot create --suite bookworm --arch amd64/);
    assert.equal(fromJson<{ error: { type: string } }>(built.stdout).error.type, 'ChrootMissingError');
    const entry = fs.readFileSync(
      new Layout(s.root).entryPath({ state: 'node', node: 'node1' }, { suite: 'bookworm', arch: 'amd64', pkg: 'needs-tool', version: '1.0' }),
      'utf8',
    );
    assert.match(entry, /^Attempt: 1$/m, "waiting for a chroot is not the package's failure");
  });
});

describe('a build in the chroot SIGKILLed in the middle', () => {
  it('leaves its processes, its chroot copy and its build dir to the reaper, which hands the entry back', async () => {
    const s = sandbox('sbuild-kill');
    const unpackDir = ownTmpfs();
    const config = path.join(s.dir, 'node.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        root: 'root',
        node: 'node1',
        mirror: mirror.url,
        chroots: { dir: chroots, unpackDir },
        thresholds: { killGraceSeconds: 2, lockStaleSeconds: 10, lockUpdateSeconds: 2 },
      }),
    );
    const enqueued = await cliAsync(s.root, [
      '--config',
      config,
      ...enqueueArgs('sleepy', '1.0', mirror.dsc.sleepy!.sha256, { node: 'node1', fields: [`Dsc-Url=${mirror.dsc.sleepy!.path}`] }),
    ]);
    assert.equal(enqueued.status, 0, enqueued.stderr);
    const builder = spawn(process.execPath, [CLI, '--root', s.root, '--config', config, 'build', '1'], { stdio: 'ignore' });
    await until(() => spawnSync('pgrep', ['-f', 'sleep 87']).status === 0, 'the build started inside the chroot', 180_000, 250);
    builder.kill('SIGKILL');
    await new Promise((r) => builder.once('exit', r));
    assert.equal(spawnSync('pgrep', ['-f', 'sleep 87']).status, 0, 'the build outlived its builder');
    assert.equal(scratchLeft(unpackDir).length, 1, 'its chroot copy is left on the tmpfs');

    const reaped = JSON.parse((await cliAsync(s.root, ['--config', config, '--json', 'reap'])).stdout) as {
      actions: Array<{ action: string; outcome: string }>;
    };
    const done = reaped.actions.filter((a) => a.action !== 'prune-dir').map((a) => `${a.action}:${a.outcome}`);
    for (const expected of ['break-lock:done', 'kill:done', 'remove-workdir:done', 'requeue:done'])
      assert.ok(done.includes(expected), `${expected} in ${done.join(' ')}`);
    assert.equal(done.filter((a) => a === 'remove-workdir:done').length, 2, 'the build dir and the chroot copy');
    assert.equal(spawnSync('pgrep', ['-f', 'sleep 87']).status, 1, 'no process of the build is left');
    assert.deepEqual(scratchLeft(unpackDir), [], 'no chroot copy left');
    assert.deepEqual(fs.readdirSync(path.join(s.root, 'build')), []);
    assert.deepEqual([...census(s.layout).entries.values()], [['node1']], 'the entry is back in the inbox');
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
    assert.doesNotMatch(mounts, /repro-spool-/, 'no mount of the build is left');
  });
});
