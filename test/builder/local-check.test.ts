import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileStore } from '../../src/store/file-store.js';
import { disorderfsMountsUnder, disorderfsUnusable } from '../../src/builder/disorderfs.js';
import { type Mirror, startMirror } from '../helpers/mirror.js';
import { until } from '../helpers/until.js';
import { assertCpuCounts, assertPersonalities, assertVariedEnvironments, parseEnv } from '../helpers/variations.js';
import { census, cliAsync, sandbox, tempDir } from '../helpers/spool.js';
import { enqueueArgs } from '../helpers/spool.js';
import { fromJson } from '../helpers/spool.js';
import { writeConfig } from '../helpers/spool.js';

let mirror: Mirror;
/** Each build records what it saw into the package, so the .deb shows which variations arrived. */
const RECORD = [
  'mkdir -p out',
  'env | sort > out/env',
  'umask > out/umask',
  'hostname > out/hostname',
  'domainname > out/domainname',
  'pwd > out/cwd',
  'date +%Z > out/tz',
  'date +%Y > out/year',
  'cat /proc/self/personality > out/personality',
  'nproc > out/nproc',
  'stat -f -c %T . > out/fstype',
];
before(async () => {
  mirror = await startMirror([
    { name: 'steady', version: '1.0', build: ['mkdir -p out', 'echo constant > out/data'] },
    { name: 'wobbly', version: '2:1.0~rc1', build: RECORD },
    { name: 'broken', version: '1.0', build: ['echo this build fails >&2', 'false'] },
    { name: 'needy', version: '1.0', buildDepends: 'no-such-package-anywhere (>= 9)' },
    { name: 'sleepy', version: '1.0', build: ['sleep 87'] },
    // Each differs in one thing only: a compiled binary's debug info names the build path
    // (DW_AT_comp_dir), and a file holds the date of the build.
    { name: 'pathy', version: '1.0', build: ["printf 'int main(void) { return 0; }\\n' > pathy.c", 'mkdir -p out', 'gcc -g -O0 -o out/pathy pathy.c'] },
    { name: 'dated', version: '1.0', build: ['mkdir -p out', 'date -u +%Y > out/built-in'] },
  ]);
});
after(() => mirror.close());

async function mainNode(thresholds: Record<string, number> = {}) {
  const s = sandbox('build');
  const config = writeConfig(s.dir, {
    root: 'root',
    builder: 'host',
    mirror: mirror.url,
    suites: ['bookworm'],
    thresholds: { downloadIdleTimeoutSeconds: 2, downloadRetries: 0, ...thresholds },
  });
  const run = (...args: string[]) => cliAsync(s.root, ['--config', config, ...args]);
  return { ...s, run, store: new FileStore(path.join(s.root, 'reproducible.db'), { lockStaleMs: 10_000, lockUpdateMs: 2_000, waitMs: 10_000, pollMs: 5 }) };
}

async function check(node: Awaited<ReturnType<typeof mainNode>>, pkg: string) {
  const result = await node.run('--json', 'build', pkg, '--arch', 'amd64');
  assert.equal(result.status, 0, `a verdict was reached: ${result.stderr}`);
  return JSON.parse(result.stdout) as {
    verdict: string;
    archive: string;
    diffoscope?: string;
    differingFiles?: Array<{ file: string; members: string[]; causes?: string[] }>;
    builds: Array<{ status: string; buildNumber: number; results: string }>;
    comparison?: { differing: string[]; environmentChanged: string[] };
  };
}

function debContents(archive: string, build: number, file: string): string {
  const dir = path.join(archive, `build${build}`);
  const deb = fs.readdirSync(dir).find((n) => n.endsWith('.deb'))!;
  const out = tempDir('deb');
  execFileSync('dpkg-deb', ['-x', path.join(dir, deb), out]);
  return fs
    .readFileSync(
      path.join(
        out,
        'usr/share',
        fs.readdirSync(path.join(out, 'usr/share')).find((d) => d !== 'doc')!,
        file,
      ),
      'utf8',
    )
    .trim();
}

describe('the local two-build check', () => {
  it('finds a package reproducible, records both builds with their nodes and durations, and leaves the spool empty', async () => {
    const node = await mainNode();
    const verdict = await check(node, 'steady');
    assert.equal(verdict.verdict, 'reproducible');
    assert.deepEqual(
      verdict.builds.map((b) => b.status),
      ['built', 'built'],
    );
    const rows = await node.store.read((db) =>
      db.all<{ node: string; build_number: number; status: string }>('SELECT node, build_number, status FROM builds ORDER BY build_number'),
    );
    assert.deepEqual(rows, [
      { node: 'local1', build_number: 1, status: 'built' },
      { node: 'local2', build_number: 2, status: 'built' },
    ]);
    assert.equal((await node.store.read((db) => db.all<{ verdict: string }>('SELECT verdict FROM results')))[0]!.verdict, 'reproducible');
    assert.equal(census(node.layout).entries.size, 0);
    assert.deepEqual(census(node.layout).locks, []);
    for (const n of [1, 2]) assert.match(fs.readFileSync(path.join(verdict.archive, `build${n}`, 'result'), 'utf8'), /Status: built\n[^]*Duration: [0-9.]+\n/);
    const shown = await node.run('--json', 'show', 'steady');
    assert.equal(shown.status, 0, 'a checked package is known although its entry is gone');
    const { entries, verdicts } = JSON.parse(shown.stdout) as {
      entries: unknown[];
      verdicts: Array<{ verdict: string; builds: Array<{ node: string; status: string }>; artifacts: string }>;
    };
    assert.deepEqual([entries.length, verdicts.length, verdicts[0]!.verdict], [0, 1, 'reproducible']);
    assert.deepEqual(
      verdicts[0]!.builds.map((b) => `${b.node}:${b.status}`),
      ['local1:built', 'local2:built'],
    );
    assert.equal(verdicts[0]!.artifacts, verdict.archive);
    assert.match(
      (await node.run('show', 'steady')).stdout,
      /verdicts of steady, newest first:\n .* 1\.0 {2}bookworm\/amd64 {2}reproducible\n {4}build 1 on local1: built/,
    );
    assert.equal((await node.run('show', 'never-checked')).status, 3);
  });

  it('finds one that embeds what build 2 varies unreproducible, with a diffoscope report naming the difference', async () => {
    const node = await mainNode();
    const verdict = await check(node, 'wobbly');
    assert.equal(verdict.verdict, 'unreproducible');
    assert.equal(verdict.diffoscope, 'written');
    const report = fs.readFileSync(path.join(verdict.archive, 'diffoscope.txt'), 'utf8');
    assert.match(report, /usr\/share\/wobbly\/umask/);
    assert.match(report, /-0022\n[│ ]*\+0002/);
    assert.ok(fs.statSync(path.join(verdict.archive, 'diffoscope.html')).size > 0);
    // The differing package and the paths inside it, from the report: in --json, the verdict file and show.
    const deb = verdict.differingFiles?.find((f) => f.file.endsWith('.deb'));
    assert.ok(deb?.members.includes('./usr/share/wobbly/umask') && deb.members.includes('./usr/share/wobbly/hostname'), JSON.stringify(verdict.differingFiles));
    assert.match(fs.readFileSync(path.join(verdict.archive, 'verdict'), 'utf8'), /^Differing-Files:\n wobbly_\S+_all\.deb: .*\.\/usr\/share\/wobbly\/umask/m);
    const shown = await node.run('show', 'wobbly');
    assert.match(shown.stdout, /differs: wobbly_\S+_all\.deb: .*\.\/usr\/share\/wobbly\/umask/);
    const json = JSON.parse((await node.run('--json', 'show', 'wobbly')).stdout) as {
      verdicts: Array<{ differingFiles: Array<{ file: string; members: string[] }> }>;
    };
    assert.ok(json.verdicts[0]!.differingFiles.some((f) => f.members.includes('./usr/share/wobbly/umask')));
  });

  it('explains a difference in the build path alone, and one in the build date alone, in the report', async () => {
    const node = await mainNode();
    const pathy = await check(node, 'pathy');
    assert.equal(pathy.verdict, 'unreproducible');
    const pathReport = fs.readFileSync(path.join(pathy.archive, 'diffoscope.txt'), 'utf8');
    assert.match(pathReport, /DW_AT_comp_dir.*\/1st\/pathy-1\.0/, 'build 1 path in the debug info');
    assert.match(pathReport, /DW_AT_comp_dir.*\/2\/pathy-1\.0\/2nd/, 'build 2 path in the debug info');
    assert.ok(
      pathy.differingFiles?.some((f) => f.members.includes('./usr/share/pathy/pathy')),
      JSON.stringify(pathy.differingFiles),
    );
    assert.ok(
      pathy.differingFiles?.some((f) => f.causes?.includes('build-path (DW_AT_comp_dir)')),
      `the cause tagged from the JSON report: ${JSON.stringify(pathy.differingFiles)}`,
    );
    const dated = await check(node, 'dated');
    assert.equal(dated.verdict, 'unreproducible');
    const year = new Date().getUTCFullYear();
    const dateReport = fs.readFileSync(path.join(dated.archive, 'diffoscope.txt'), 'utf8');
    assert.match(dateReport, new RegExp(`-${year}\\n[│ ]*\\+(${year + 1}|${year + 2})\\n`), 'the year of build 1, then the year faketime gave build 2');
    assert.deepEqual(dated.differingFiles?.find((f) => f.file.endsWith('.deb'))?.members, ['./usr/share/dated/built-in']);
    assert.deepEqual(dated.differingFiles?.find((f) => f.file.endsWith('.deb'))?.causes, ['clock (./usr/share/dated/built-in)']);
    const human = await node.run('build', 'dated', '--arch', 'amd64');
    assert.match(human.stdout, /differs: dated_1\.0_all\.deb: \.\/usr\/share\/dated\/built-in \| clock \(\.\/usr\/share\/dated\/built-in\)$/m);
    const artifacts = /^ {2}artifacts: (.+)$/m.exec(human.stdout)?.[1];
    assert.ok(artifacts && fs.existsSync(path.join(artifacts, 'diffoscope.txt')), `artifacts: ${artifacts} works from the current directory`);
  });

  it('applies every variation of the table for real: env, umask, hostname, domain, build path, time', async () => {
    const node = await mainNode();
    const { archive } = await check(node, 'wobbly');
    assertVariedEnvironments(parseEnv(debContents(archive, 1, 'env')), parseEnv(debContents(archive, 2, 'env')));
    assert.deepEqual([debContents(archive, 1, 'umask'), debContents(archive, 2, 'umask')], ['0022', '0002']);
    assert.equal(debContents(archive, 2, 'hostname'), 'i-capture-the-hostname');
    assert.equal(debContents(archive, 2, 'domainname'), 'i-capture-the-domainname');
    assert.notEqual(debContents(archive, 1, 'hostname'), 'i-capture-the-hostname');
    assertPersonalities(debContents(archive, 1, 'personality'), debContents(archive, 2, 'personality'));
    assertCpuCounts(debContents(archive, 1, 'nproc'), debContents(archive, 2, 'nproc'));
    assert.match(debContents(archive, 1, 'cwd'), /\/1st\/wobbly-1\.0~rc1$/);
    assert.match(debContents(archive, 2, 'cwd'), /\/2\/wobbly-1\.0~rc1\/2nd$/);
    assert.equal(
      Number(debContents(archive, 2, 'year')) - Number(debContents(archive, 1, 'year')) >= 1,
      true,
      'faketime moved the clock of build 2 by 398 days',
    );
    const recorded = fs.readFileSync(path.join(archive, 'build2', 'variations'), 'utf8');
    assert.match(recorded, /^umask: 0002$/m);
    if (disorderfsUnusable() === undefined) {
      assert.match(recorded, /^disorderfs: shuffled directory entries \(disorderfs --shuffle-dirents=yes\)$/m);
      assert.deepEqual([debContents(archive, 1, 'fstype') === 'fuseblk', debContents(archive, 2, 'fstype')], [false, 'fuseblk'], 'build 2 ran on disorderfs');
    } else assert.match(recorded, /^disorderfs: skipped: /m);
    assert.deepEqual(disorderfsMountsUnder(node.root), [], 'unmounted after the build');
  });

  it('says a mistyped package is not in the suite, and downloads the Sources index again only once the catalogue is old', async () => {
    const node = await mainNode();
    const indexDownloads = () => mirror.requests.filter((r) => r.includes('/source/Sources')).length;
    const before = indexDownloads();
    const first = await node.run('build', 'nosuchpkg', '--arch', 'amd64');
    assert.equal(first.status, 2, first.stderr);
    assert.match(first.stderr, /nosuchpkg is not a source package of bookworm\/main for amd64 \(the Sources index was just imported/);
    assert.equal(indexDownloads(), before + 1);
    const again = await node.run('build', 'nosuchpkg', '--arch', 'amd64');
    assert.equal(again.status, 2, again.stderr);
    assert.match(
      again.stderr,
      /nosuchpkg is not a source package of bookworm\/main for amd64 \(the catalogue was imported at .*`sources import` refreshes it\)/,
    );
    assert.equal(indexDownloads(), before + 1, 'no second download of the index');
  });

  it('reports FTBFS with the build log kept, and builds no second time', async () => {
    const node = await mainNode();
    const verdict = await check(node, 'broken');
    assert.equal(verdict.verdict, 'FTBFS');
    assert.equal(verdict.builds.length, 1);
    const log = execFileSync('zcat', [path.join(verdict.archive, 'build1', 'build.log.gz')], { encoding: 'utf8' });
    assert.match(log, /this build fails/);
  });

  it('reports depwait for an unsatisfiable build dependency', async () => {
    const node = await mainNode();
    const verdict = await check(node, 'needy');
    assert.equal(verdict.verdict, 'depwait');
    assert.match(
      execFileSync('zcat', [path.join(verdict.archive, 'build1', 'build.log.gz')], { encoding: 'utf8' }),
      /Unmet build dependencies: no-such-package-anywhere/,
    );
  });

  it('reports checksum-mismatch when the .dsc is not what was scheduled, and builds nothing', async () => {
    const node = await mainNode();
    assert.equal((await node.run('sources', 'import', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
    assert.equal((await node.run('schedule', 'steady', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
    const entry = path.join(node.root, 'reproducible-builds/scheduled/bookworm/amd64/steady/1.0');
    fs.writeFileSync(entry, fs.readFileSync(entry, 'utf8').replace(/^Dsc-Sha256: .*$/m, `Dsc-Sha256: ${'0'.repeat(64)}`));
    const before = mirror.requests.length;
    const verdict = await check(node, 'steady');
    assert.equal(verdict.verdict, 'checksum-mismatch');
    assert.deepEqual(mirror.requests.slice(before), [mirror.dsc.steady!.path], 'nothing but the .dsc was fetched');
    assert.deepEqual(
      fs.readdirSync(path.join(verdict.archive, 'build1')).filter((f) => f.endsWith('.deb')),
      [],
    );
  });

  it('ends a build past its timeout with verdict timeout, leaving no process behind', async () => {
    const node = await mainNode({ buildTimeoutSeconds: 2, killGraceSeconds: 1 });
    const verdict = await check(node, 'sleepy');
    assert.equal(verdict.verdict, 'timeout');
    assert.equal(spawnSync('pgrep', ['-f', 'sleep 87']).status, 1, 'no sleep 87 left running');
  });
});

describe('a build SIGKILLed in the middle', () => {
  it('leaves its process group and build dir to the reaper, and the entry is rebuilt by the next run', async () => {
    const s = sandbox('build-kill');
    const config = path.join(s.dir, 'repro-spool.json');
    const write = (buildTimeoutSeconds: number) =>
      fs.writeFileSync(
        config,
        JSON.stringify({
          root: 'root',
          node: 'node1',
          builder: 'host',
          mirror: mirror.url,
          thresholds: { buildTimeoutSeconds, killGraceSeconds: 1, lockStaleSeconds: 10, lockUpdateSeconds: 2 },
        }),
      );
    write(600);
    const enqueued = await cliAsync(s.root, [
      '--config',
      config,
      ...enqueueArgs('sleepy', '1.0', mirror.dsc.sleepy!.sha256, { node: 'node1', fields: [`Dsc-Url=${mirror.dsc.sleepy!.path}`] }),
    ]);
    assert.equal(enqueued.status, 0, enqueued.stderr);
    const child = (await import('node:child_process')).spawn(
      process.execPath,
      [path.join(path.dirname(new URL(import.meta.url).pathname), '../../bin/repro-spool.js'), '--config', config, 'build', '1'],
      { stdio: 'ignore' },
    );
    await until(() => spawnSync('pgrep', ['-f', 'sleep 87']).status === 0, 'the build started', 20_000, 100);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.equal(spawnSync('pgrep', ['-f', 'sleep 87']).status, 0, 'the build outlived its builder');
    assert.equal(fs.readdirSync(path.join(s.root, 'build')).length, 1, 'a partial build dir is left');

    const reaped = JSON.parse((await cliAsync(s.root, ['--config', config, '--json', 'reap'])).stdout) as {
      actions: Array<{ action: string; outcome: string }>;
    };
    assert.deepEqual(
      reaped.actions.filter((a) => a.action !== 'prune-dir').map((a) => `${a.action}:${a.outcome}`),
      ['break-lock:done', 'kill:done', 'remove-workdir:done', 'requeue:done', 'remove-temp:done'],
      'the half-fetched source in tmp/ goes too',
    );
    assert.equal(spawnSync('pgrep', ['-f', 'sleep 87']).status, 1, 'no process of the build is left');
    assert.deepEqual(fs.readdirSync(path.join(s.root, 'build')), []);
    assert.deepEqual([...census(new (await import('../../src/spool/layout.js')).Layout(s.root)).entries.values()], [['node1']]);

    write(2);
    const rerun = await cliAsync(s.root, ['--config', config, '--json', 'build', '1']);
    assert.equal(rerun.status, 0, rerun.stderr);
    assert.equal(fromJson(rerun.stdout).status, 'timeout', 'rebuilt, and this time ended by its timeout');
    const layout = new (await import('../../src/spool/layout.js')).Layout(s.root);
    assert.equal(census(layout).entries.size, 0);
    assert.equal(census(layout).results.size, 1);
  });
});

describe('a host build 2 killed with its disorderfs mount up', () => {
  it("leaves the mount to the node's reaper, which unmounts it before removing the build directory", { skip: disorderfsUnusable() }, async () => {
    const node = await mainNode();
    const killed = await cliAsync(node.root, ['--config', path.join(node.dir, 'repro-spool.json'), 'build', 'wobbly', '--arch', 'amd64'], {
      REPRO_SPOOL_FAULT: 'build:after-disorderfs-mount',
    });
    assert.equal(killed.signal, 'SIGKILL', killed.stderr);
    assert.equal(disorderfsMountsUnder(node.root).length, 1, 'the mount outlived its build');
    const reaped = await node.run('--json', 'reap');
    assert.equal(reaped.status, 0, reaped.stderr);
    // The next check clears what the dead one left on its nodes (forget runs the node spool's reaper).
    const rerun = await node.run('--json', 'build', 'wobbly', '--arch', 'amd64');
    assert.equal(rerun.status, 0, rerun.stderr);
    assert.equal(fromJson(rerun.stdout).verdict, 'unreproducible');
    assert.deepEqual(disorderfsMountsUnder(node.root), [], 'unmounted, and the rerun left none');
    const local2 = path.join(node.root, 'nodes/local2/build');
    assert.deepEqual(fs.existsSync(local2) ? fs.readdirSync(local2) : [], [], 'no build directory left');
  });
});

describe('the local check killed at each step', () => {
  for (const fault of [
    'build:before-dpkg-buildpackage',
    'check:after-build-1',
    'advance:after-temp',
    'advance:after-link',
    'advance:after-write',
    'advance:after-unlink',
    'build:before-complete',
    'check:after-build-2',
    'check:after-verdict',
    'check:before-remove',
  ]) {
    it(`SIGKILL at ${fault}: one reap (and a rerun, unless the verdict was recorded) reach the verdict, with nothing left in any spool`, async () => {
      const node = await mainNode();
      const crashed = await node.run('build', 'steady', '--arch', 'amd64');
      assert.equal(crashed.status, 0, 'a first check works');
      assert.equal((await node.run('schedule', 'steady', '--suite', 'bookworm', '--arch', 'amd64')).status, 0, 'scheduled again');
      const killed = await cliAsync(node.root, ['--config', path.join(node.dir, 'repro-spool.json'), 'build', 'steady', '--arch', 'amd64'], {
        REPRO_SPOOL_FAULT: fault,
      });
      assert.equal(killed.signal, 'SIGKILL', `reached ${fault}: ${killed.stderr}`);
      const reaped = await node.run('--json', 'reap');
      assert.equal(reaped.status, 0, reaped.stderr);
      const history = () => node.store.read(async (db) => Number((await db.all<{ n: number }>('SELECT count(*) AS n FROM result_history'))[0]!.n));
      const concluded = fault === 'check:after-verdict' || fault === 'check:before-remove';
      if (concluded) {
        const requeued = (JSON.parse(reaped.stdout) as { actions: Array<{ action: string; reason: string; detail?: string }> }).actions.find(
          (a) => a.action === 'requeue',
        );
        assert.match(requeued?.reason ?? '', /died after its verdict reproducible .*: the next check finishes it/);
        assert.match(requeued?.detail ?? '', /now in scheduled\/ with Attempt 1/, 'not counted as an attempt');
      }
      const rerun = await node.run('--json', 'build', 'steady', '--arch', 'amd64');
      assert.equal(rerun.status, 0, rerun.stderr);
      assert.equal(fromJson(rerun.stdout).verdict, 'reproducible');
      assert.equal(census(node.layout).entries.size, 0, 'main spool empty');
      for (const local of ['local1', 'local2']) {
        const layout = new (await import('../../src/spool/layout.js')).Layout(path.join(node.root, 'nodes', local));
        const left = census(layout);
        assert.deepEqual([left.entries.size, left.results.size, left.locks.length], [0, 0, 0], `${local} spool empty`);
        assert.deepEqual(
          fs.existsSync(path.join(layout.root, 'build')) ? fs.readdirSync(path.join(layout.root, 'build')) : [],
          [],
          `${local}: no build dir left`,
        );
      }
      if (concluded) assert.equal(fromJson(rerun.stdout).concludedEarlier, true, 'the rerun only finished the killed check');
      const verdicts = await node.store.read(async (db) => Number((await db.all<{ n: number }>('SELECT count(*) AS n FROM results'))[0]!.n));
      assert.equal(verdicts, 1, 'one verdict row for the package');
      assert.equal(await history(), 2, 'the first check and the killed one: one verdict each, none twice');
    });
  }
});

describe('the local check stopped by SIGTERM (as Jenkins aborts a job)', () => {
  it('ends its build, hands its entry back to scheduled/ itself with the Attempt unchanged, and leaves nothing for the reaper', async () => {
    const node = await mainNode({ buildTimeoutSeconds: 600, killGraceSeconds: 1 });
    assert.equal((await node.run('sources', 'import', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
    assert.equal((await node.run('schedule', 'sleepy', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
    const { spawn } = await import('node:child_process');
    const check = spawn(
      process.execPath,
      [
        path.join(path.dirname(new URL(import.meta.url).pathname), '../../bin/repro-spool.js'),
        '--root',
        node.root,
        '--config',
        path.join(node.dir, 'repro-spool.json'),
        'build',
        'sleepy',
        '--arch',
        'amd64',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    check.stderr.on('data', (d) => (stderr += d));
    await until(() => spawnSync('pgrep', ['-f', 'sleep 87']).status === 0, 'build 1 started', 20_000, 100);
    const stopped = Date.now();
    check.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => check.once('exit', (status) => r(status)));
    assert.equal(code, 1, stderr);
    assert.ok(Date.now() - stopped < 10_000, 'it stopped promptly');
    assert.match(stderr, /stopped by a signal before its verdict; handed back to scheduled\//);
    assert.equal(spawnSync('pgrep', ['-f', 'sleep 87']).status, 1, 'no process of the build is left');
    assert.deepEqual([...census(node.layout).entries.values()], [['scheduled']]);
    const entry = fs.readFileSync(path.join(node.root, 'reproducible-builds/scheduled/bookworm/amd64/sleepy/1.0'), 'utf8');
    assert.match(entry, /^Attempt: 1$/m, "an abort is nobody's failure");
    assert.match(entry, /^Last-Failure: check stopped by a signal/m);
    assert.deepEqual(census(node.layout).locks, [], 'no lock left on main');
    const reaped = JSON.parse((await node.run('--json', 'reap')).stdout) as { actions: Array<{ action: string }> };
    assert.deepEqual(
      reaped.actions.filter((a) => !['prune-dir', 'remove-temp'].includes(a.action)),
      [],
      'nothing left for the reaper on main',
    );
  });
});

describe('a check killed after its verdict, its entry then handed back to scheduled/', () => {
  it('is finished by the next check (the entry removed), not checked and recorded a second time', async () => {
    const node = await mainNode();
    const killed = await cliAsync(node.root, ['--config', path.join(node.dir, 'repro-spool.json'), 'build', 'steady', '--arch', 'amd64'], {
      REPRO_SPOOL_FAULT: 'check:before-remove',
    });
    assert.equal(killed.signal, 'SIGKILL', killed.stderr);
    // As the reaper of an earlier version did: break the dead job's lock and hand its outbox entry back, Attempt+1.
    const id = { suite: 'bookworm', arch: 'amd64', pkg: 'steady', version: '1.0' };
    const outbox = node.layout.entryPath({ state: 'node', node: 'local2' }, id); // advanced for build 2
    fs.rmSync(node.layout.ownerPath(id));
    fs.rmSync(node.layout.lockDir(id), { recursive: true });
    const scheduled = node.layout.entryPath({ state: 'scheduled' }, id);
    fs.mkdirSync(path.dirname(scheduled), { recursive: true });
    fs.writeFileSync(scheduled, fs.readFileSync(outbox, 'utf8').replace(/^Attempt: 1$/m, 'Attempt: 2') + 'Last-Failure: job died\n');
    fs.unlinkSync(outbox);
    assert.deepEqual([...census(node.layout).entries.values()], [['scheduled']]);
    const rerun = await node.run('--json', 'build', 'steady', '--arch', 'amd64');
    assert.equal(rerun.status, 0, rerun.stderr);
    const verdict = JSON.parse(rerun.stdout) as { verdict: string; concludedEarlier?: boolean };
    assert.deepEqual([verdict.verdict, verdict.concludedEarlier], ['reproducible', true]);
    assert.equal(census(node.layout).entries.size, 0);
    const rows = await node.store.read(async (db) => [
      Number((await db.all<{ n: number }>('SELECT count(*) AS n FROM result_history'))[0]!.n),
      Number((await db.all<{ n: number }>('SELECT count(*) AS n FROM builds'))[0]!.n),
    ]);
    assert.deepEqual(rows, [1, 2], 'one verdict, one build 1 and one build 2');
  });
});
