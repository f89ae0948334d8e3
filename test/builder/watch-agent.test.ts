import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readOwner } from '../../src/spool/lock.js';
import { openSpool } from '../../src/spool/spool.js';
import { nodePlace } from '../../src/spool/layout.js';
import { type Mirror, startMirror } from '../helpers/mirror.js';
import { CLI, census, id, sandbox, tempDir, writeEntry } from '../helpers/spool.js';
import { until } from '../helpers/until.js';
import { fromJson } from '../helpers/spool.js';
import { writeConfig } from '../helpers/spool.js';

/** While this file exists, the builds of sleepy and waiting wait; without it they are quick (builds see no test environment). */
const FLAG = path.join(tempDir('watch-flag'), 'wait');
let mirror: Mirror;
before(async () => {
  mirror = await startMirror([
    { name: 'steady', version: '1.0', build: ['mkdir -p out', 'echo constant > out/data'] },
    { name: 'other', version: '2.0', build: ['mkdir -p out', 'echo other > out/data'] },
    { name: 'sleepy', version: '1.0', build: [`while [ -e ${FLAG} ]; do sleep 30; done`] },
    { name: 'waiting', version: '1.0', build: [`while [ -e ${FLAG} ]; do sleep 0.2; done`] },
    { name: 'stalled', version: '1.0' },
  ]);
});
const agents: ChildProcessWithoutNullStreams[] = [];
after(async () => {
  for (const child of agents) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); // a failed test's agent
  await mirror.close();
});

interface Agent {
  readonly child: ChildProcessWithoutNullStreams;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
}

function node1(thresholds: Record<string, number> = {}) {
  const s = sandbox('watch');
  const config = writeConfig(s.dir, {
    node: 'node1',
    builder: 'host',
    mirror: mirror.url,
    thresholds: {
      killGraceSeconds: 1,
      lockStaleSeconds: 10,
      lockUpdateSeconds: 2,
      watchDebounceSeconds: 0.05,
      downloadIdleTimeoutSeconds: 2,
      downloadRetries: 0,
      ...thresholds,
    },
  });
  const agent = ({ json = false, parallel = 1 } = {}): Agent => {
    const args = [CLI, '--root', s.root, '--config', config, ...(json ? ['--json'] : []), 'watch', '--parallel', String(parallel)];
    const child = spawn(process.execPath, args, { env: { ...process.env, REPRO_SPOOL_FAULT: '' } });
    agents.push(child);
    const started: Agent = { child, stdout: '', stderr: '', exited: new Promise((resolve) => child.once('exit', resolve)) };
    child.stdout.on('data', (d) => (started.stdout += d));
    child.stderr.on('data', (d) => (started.stderr += d));
    return started;
  };
  /** An inbox entry as main ships it: Node, Build-Number and where its source is. */
  const ship = (pkg: string, version: string, buildNumber = '1') =>
    writeEntry(s.layout, nodePlace('node1'), id(pkg, version), {
      'Dsc-Sha256': mirror.dsc[pkg]!.sha256,
      'Dsc-Url': mirror.dsc[pkg]!.path,
      'Build-Number': buildNumber,
    });
  const result = (pkg: string, version: string) => path.join(s.layout.resultsPath('node1', id(pkg, version)), 'result');
  return { ...s, agent, ship, result };
}

const untilAgent = (condition: () => boolean, what: string, agent: Agent) => until(condition, () => `${what}; the agent said:\n${agent.stderr}`, 60_000);

async function stop(agent: Agent): Promise<number | null> {
  agent.child.kill('SIGTERM');
  return agent.exited;
}

describe('the watch agent', () => {
  it('builds an entry that arrives while it runs, and prints that build as JSON', async () => {
    const n = node1();
    const agent = n.agent({ json: true });
    await untilAgent(() => agent.stderr.includes('watching'), 'the agent watches the inbox', agent);
    assert.deepEqual(fs.readdirSync(n.layout.placeDir(nodePlace('node1'))), [], 'the inbox was empty at start');
    n.ship('steady', '1.0');
    await untilAgent(() => agent.stdout.endsWith('\n'), 'a build was printed', agent);
    assert.match(fs.readFileSync(n.result('steady', '1.0'), 'utf8'), /Status: built\n[^]*Build-Number: 1\n/);
    const printed = agent.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: { pkg: string }; status: string; buildNumber: number });
    assert.deepEqual(
      printed.map((b) => [b.id.pkg, b.status, b.buildNumber]),
      [['steady', 'built', 1]],
    );
    assert.match(agent.stderr, /^steady 1\.0: build 1 started$/m);
    assert.match(agent.stderr, /^steady 1\.0: built in [0-9]+\.[0-9] s$/m);
    assert.equal(await stop(agent), 0);
    assert.deepEqual([census(n.layout).entries.size, census(n.layout).locks.length], [0, 0]);
  });

  it('builds two entries at once with --parallel 2, each as its Build-Number says', async () => {
    const n = node1();
    fs.writeFileSync(FLAG, '');
    n.ship('waiting', '1.0', '2');
    n.ship('other', '2.0');
    const agent = n.agent({ json: true, parallel: 2 });
    await untilAgent(() => /other 2\.0: built in/.test(agent.stderr), 'the second entry was built while the first sleeps', agent);
    assert.equal(fs.existsSync(n.result('waiting', '1.0')), false, 'the waiting build is still running');
    fs.rmSync(FLAG);
    await untilAgent(() => fs.existsSync(n.result('waiting', '1.0')), 'the first entry was built too', agent);
    assert.match(fs.readFileSync(n.result('waiting', '1.0'), 'utf8'), /Status: built\n[^]*Build-Number: 2\n/);
    await untilAgent(() => agent.stdout.split('\n').length === 3, 'both builds were printed', agent);
    assert.equal(await stop(agent), 0);
    assert.deepEqual(
      agent.stdout
        .trim()
        .split('\n')
        .map((l) => fromJson<{ id: { pkg: string } }>(l).id.pkg)
        .sort(),
      ['other', 'waiting'],
    );
  });

  it('skips, and reports once, an entry whose Build-Number is neither 1 nor 2', async () => {
    const n = node1();
    n.ship('other', '2.0', '3');
    const agent = n.agent();
    await untilAgent(() => agent.stderr.includes('watching'), 'the agent watches the inbox', agent);
    n.ship('steady', '1.0');
    await untilAgent(() => fs.existsSync(n.result('steady', '1.0')), 'the good entry was built', agent);
    assert.equal(await stop(agent), 0);
    assert.equal(agent.stderr.match(/other 2\.0: corrupt entry, skipped: Build-Number is "3": expected 1 or 2/g)?.length, 1);
    assert.deepEqual([...census(n.layout).entries.entries()], [['bookworm/amd64/other_2.0', ['node1']]]);
  });
});

describe('the watch agent stopped by SIGTERM mid-build', () => {
  it('ends the build, hands the entry back once and exits 0; a restarted agent builds it', async () => {
    const n = node1();
    fs.writeFileSync(FLAG, '');
    n.ship('sleepy', '1.0');
    const agent = n.agent();
    const spool = openSpool(n.root);
    let pgid: number | undefined;
    await untilAgent(
      () => (pgid = readOwner(spool, id('sleepy', '1.0'))?.pgid) !== undefined && liveProcessesOf(pgid).some((p) => p.startsWith('sleep 30')),
      'the build sleeps',
      agent,
    );
    assert.deepEqual(census(n.layout).entries.get('bookworm/amd64/sleepy_1.0'), ['pending']);

    const signalled = Date.now();
    assert.equal(await stop(agent), 0, agent.stderr);
    assert.ok(Date.now() - signalled < 5_000, `stopped within a few seconds: ${Date.now() - signalled} ms`);
    assert.match(agent.stderr, /sleepy 1\.0: build 1 stopped and handed back to the inbox/);
    const left = census(n.layout);
    assert.deepEqual([...left.entries.entries()], [['bookworm/amd64/sleepy_1.0', ['node1']]], 'back in the inbox, exactly once');
    assert.deepEqual([left.results.size, left.locks.length], [0, 0]);
    // Zombies are dead already; this sandbox's init reaps orphans lazily.
    assert.deepEqual(liveProcessesOf(pgid!), [], 'no process of the build group is left');
    assert.deepEqual(fs.readdirSync(path.join(n.root, 'build')), [], 'its workdir is gone');
    const handedBack = fs.readFileSync(n.layout.entryPath(nodePlace('node1'), id('sleepy', '1.0')), 'utf8');
    assert.match(handedBack, /^Attempt: 1$/m, 'stopping is no failed attempt');
    assert.match(handedBack, /^Last-Failure: builder stopped$/m);

    fs.rmSync(FLAG);
    const again = n.agent({ json: true });
    await untilAgent(() => fs.existsSync(n.result('sleepy', '1.0')), 'the restarted agent built it', again);
    assert.equal(await stop(again), 0);
    assert.equal(fromJson(again.stdout).status, 'built');
    assert.deepEqual([census(n.layout).entries.size, census(n.layout).locks.length], [0, 0]);
  });

  it('ends a source download under way at once on SIGTERM, and hands the entry back without counting an attempt', async () => {
    const n = node1({ downloadIdleTimeoutSeconds: 120 });
    const dsc = mirror.dsc.stalled!.path;
    mirror.fault(dsc, 'stall'); // the download would hang for the whole idle timeout
    try {
      n.ship('stalled', '1.0');
      const agent = n.agent();
      await untilAgent(() => mirror.requests.includes(dsc), 'the download began', agent);
      const signalled = Date.now();
      agent.child.kill('SIGTERM');
      assert.equal(await agent.exited, 0, agent.stderr);
      assert.ok(Date.now() - signalled < 30_000, `stopped in ${Date.now() - signalled} ms, not after the 120 s idle timeout`);
      assert.match(agent.stderr, /stalled 1\.0: build 1 stopped and handed back to the inbox/);
      assert.deepEqual([...census(n.layout).entries.entries()], [['bookworm/amd64/stalled_1.0', ['node1']]]);
      assert.match(
        fs.readFileSync(n.layout.entryPath(nodePlace('node1'), id('stalled', '1.0')), 'utf8'),
        /^Attempt: 1$/m,
        'the cut download is not held against the mirror',
      );
      assert.deepEqual([census(n.layout).locks, census(n.layout).temps], [[], []]);
    } finally {
      mirror.fault(dsc, undefined);
    }
  });
});

/** Command lines of the processes of a group (= session: the builder starts each step with setsid) that are not zombies. */
function liveProcessesOf(pgid: number): string[] {
  const listed = spawnSync('ps', ['-o', 'stat=,args=', '-g', String(pgid)], { encoding: 'utf8' }).stdout.trim();
  return listed
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('Z'))
    .map((line) => line.replace(/^\S+\s+/, ''));
}
