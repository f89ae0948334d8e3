import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Layout } from '../../src/spool/layout.js';
import { FileStore } from '../../src/store/file-store.js';
import { type Mirror, startMirror } from '../helpers/mirror.js';
import { CLI, PROJECT, census, cliAsync, loopOutput, sandbox, tempDir } from '../helpers/spool.js';
import type { TamperMode } from '../helpers/tampering-node.js';
import { type TestSshd, startSshd } from '../helpers/sshd.js';
import { until } from '../helpers/until.js';
import { sleep } from '../../src/retry.js';
import { fromJson } from '../helpers/spool.js';
import { writeConfig } from '../helpers/spool.js';
import { pinNodeKeys } from '../helpers/pin.js';

/** A compromised node1: the real CLI behind a wrapper that tampers with what it answers (helpers/tampering-node.ts). */
const TAMPERING_NODE = path.join(PROJECT, 'test/helpers/tampering-node.ts');
const TSX = pathToFileURL(path.join(PROJECT, 'node_modules/tsx/dist/loader.mjs')).href;

/** The configuration file as a test edits it. */
type ConfigFile = { nodes: Record<string, Record<string, unknown>>; thresholds?: Record<string, number> } & Record<string, unknown>;

let mirror: Mirror;
const nodes: TestSshd[] = [];
/** `held` builds until this file exists: a build the test keeps running as long as it needs, whatever the load. */
const HOLD_RELEASE = path.join(tempDir('hold'), 'release');
before(async () => {
  mirror = await startMirror([
    { name: 'steady', version: '1.0', build: ['mkdir -p out', 'echo constant > out/data'] },
    { name: 'wobbly', version: '1:1.0', build: ['mkdir -p out', 'umask > out/umask', 'hostname > out/hostname'] },
    { name: 'twofold', version: '1.0', build: ['mkdir -p out', 'umask > out/umask', 'date +%z > out/offset'] },
    { name: 'slowish', version: '1.0', build: ['sleep 3.3', 'mkdir -p out', 'echo done > out/data'] },
    { name: 'held', version: '1.0', build: [`while [ ! -e ${HOLD_RELEASE} ]; do sleep 0.1; done`, 'mkdir -p out', 'echo done > out/data'] },
  ]);
  nodes.push(await startSshd(), await startSshd());
});
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await mirror.close();
});

/** A main node whose config reaches node1 and node2 over their real sshd, and a job pairing them. */
async function mainNode(
  overrides: { node2Port?: number; node1Config?: object; node2Clock?: string; node1Tamper?: TamperMode; node1Fault?: string; unpinned?: boolean } = {},
) {
  const s = sandbox('remote');
  const nodeEntries = nodes.map((sshd, i) => {
    const name = `node${i + 1}`;
    const nodeConfig = path.join(sshd.dir, `${path.basename(s.dir)}.json`);
    const root = path.join(sshd.dir, path.basename(s.dir));
    fs.writeFileSync(
      nodeConfig,
      JSON.stringify({
        node: name,
        builder: 'host',
        mirror: mirror.url,
        thresholds: { downloadRetries: 0 },
        ...(name === 'node1' ? overrides.node1Config : {}),
      }),
    );
    const port = name === 'node2' && overrides.node2Port ? overrides.node2Port : sshd.node.port;
    const clock = name === 'node2' && overrides.node2Clock ? { clock: overrides.node2Clock } : {};
    const tamper = name === 'node1' && overrides.node1Tamper ? [process.execPath, '--import', TSX, TAMPERING_NODE, overrides.node1Tamper] : [];
    if (name === 'node1' && overrides.node1Fault) tamper.push('env', `REPRO_SPOOL_FAULT=${overrides.node1Fault}`);
    return [name, { ...sshd.node, port, root, command: [...tamper, process.execPath, CLI, '--config', nodeConfig], ...clock }] as const;
  });
  const write = (extra: object = {}) =>
    writeConfig(s.dir, {
      root: 'root',
      mirror: mirror.url,
      suites: ['bookworm'],
      nodes: Object.fromEntries(nodeEntries),
      jobs: [{ name: 'job1', arch: 'amd64', node1: 'node1', node2: 'node2' }],
      thresholds: { sshConnectTimeoutSeconds: 2, sshRetries: 1, sshBackoffSeconds: 0.05 },
      ...extra,
    });
  const config = write();
  const run = (...args: string[]) => cliAsync(s.root, ['--config', config, ...args]);
  assert.equal((await run('sources', 'import', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
  if (!overrides.unpinned) pinNodeKeys(s.root, Object.fromEntries(nodeEntries));
  const roots = nodeEntries.map(([, n]) => new Layout(n.root));
  return {
    ...s,
    run,
    write,
    nodeEntries,
    roots,
    store: new FileStore(path.join(s.root, 'reproducible.db'), { lockStaleMs: 10_000, lockUpdateMs: 2_000, waitMs: 10_000, pollMs: 5 }),
  };
}

function assertNodesEmpty(roots: readonly Layout[]): void {
  for (const layout of roots) {
    const left = census(layout);
    assert.deepEqual([left.entries.size, left.results.size, left.locks.length], [0, 0, 0], `${layout.root} is clean`);
  }
}

/** A rerun of the job reaches the verdict: nothing left in any spool, one verdict recorded. */
async function assertRerunChecksOnce(main: Awaited<ReturnType<typeof mainNode>>): Promise<void> {
  const rerun = await main.run('--json', 'build', '--job', 'job1');
  assert.equal(rerun.status, 0, rerun.stderr);
  assert.equal(fromJson(rerun.stdout).verdict, 'reproducible');
  assert.equal(census(main.layout).entries.size, 0);
  assertNodesEmpty(main.roots);
  const results = await main.store.read(async (db) => Number((await db.all<{ n: number }>('SELECT count(*) AS n FROM results'))[0]!.n));
  assert.equal(results, 1, 'one verdict for the package');
}

describe('a check over ssh on two nodes', () => {
  it('builds on node1 then node2 through real sshd, and records verdicts with one row per build and node', async () => {
    const main = await mainNode();
    assert.equal((await main.run('schedule', 'steady', 'wobbly', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
    const verdicts: Record<string, string> = {};
    for (let i = 0; i < 2; i++) {
      const result = await main.run('--json', 'build', '--job', 'job1');
      assert.equal(result.status, 0, result.stderr);
      const v = JSON.parse(result.stdout) as { id: { pkg: string }; verdict: string };
      verdicts[v.id.pkg] = v.verdict;
    }
    assert.deepEqual(verdicts, { steady: 'reproducible', wobbly: 'unreproducible' });
    assert.equal((await main.run('build', 'node1', 'node2')).status, 3, 'nothing left to do');
    const rows = await main.store.read((db) =>
      db.all<{ name: string; node: string; build_number: number }>('SELECT name, node, build_number FROM builds ORDER BY name, build_number'),
    );
    assert.deepEqual(
      rows.map((r) => `${r.name}:${r.build_number}@${r.node}`),
      ['steady:1@node1', 'steady:2@node2', 'wobbly:1@node1', 'wobbly:2@node2'],
    );
    assert.equal(census(main.layout).entries.size, 0);
    assertNodesEmpty(main.roots);
  });

  it('checks one entry after another in one process with --for (a JSON line each, then the summary) until the queue is empty', async () => {
    const main = await mainNode();
    assert.equal((await main.run('schedule', 'steady', 'wobbly', 'twofold', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
    const first = await main.run('--json', 'build', '--job', 'job1', '--max-checks', '2');
    assert.equal(first.status, 0, first.stderr);
    const firstLoop = loopOutput(first.stdout);
    assert.deepEqual(firstLoop.summary.stopped, 'max-checks');
    assert.deepEqual([...census(main.layout).entries.values()], [['scheduled']], 'the third entry is untouched');
    const rest = await main.run('--json', 'build', '--job', 'job1', '--for', '600');
    assert.equal(rest.status, 0, rest.stderr);
    const restLoop = loopOutput(rest.stdout);
    assert.deepEqual(restLoop.summary, { checks: 1, stopped: 'queue-empty', seconds: restLoop.summary.seconds });
    const verdicts = [...firstLoop.verdicts, ...restLoop.verdicts].map((v) => `${v.id.pkg}:${v.verdict}`);
    assert.deepEqual(verdicts.sort(), ['steady:reproducible', 'twofold:unreproducible', 'wobbly:unreproducible']);
    assert.match(rest.stderr, /1 check in [0-9.]+ s; stopped: queue-empty/);
    assert.equal((await main.run('build', '--job', 'job1', '--for', '600')).status, 3, 'an empty queue at the start is exit 3');
    assert.equal(census(main.layout).entries.size, 0);
    assertNodesEmpty(main.roots);
    const refused = await main.run('build', '1', '--max-checks', '2');
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /--max-checks and --for are for checks: build 1 builds one entry/);
  });

  it("explains over ssh: the trials run on the job's first node through the spool, and both culprits are found", async () => {
    const main = await mainNode();
    assert.equal((await main.run('schedule', 'twofold', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
    const checked = await main.run('--json', 'build', '--job', 'job1');
    assert.equal(fromJson<{ verdict: string }>(checked.stdout).verdict, 'unreproducible', checked.stderr);
    const result = await main.run('--json', 'explain', 'twofold', '--job', 'job1');
    assert.equal(result.status, 0, result.stderr);
    const explained = fromJson<{ builds: Array<{ node: string }>; explanation: { culprits: string[][]; builds: number } }>(result.stdout);
    assert.deepEqual(explained.explanation.culprits.map((g) => g.join('+')).sort(), ['timezone', 'umask']);
    assert.deepEqual(
      explained.builds.map((b) => b.node),
      ['node1'],
      'the culprit alone was built on node1',
    );
    assert.equal(census(main.layout).entries.size, 0);
    assertNodesEmpty(main.roots);
  });

  it('exits 6 when node2 is down from the start, puts the entry back in scheduled/, and a rerun completes it', async () => {
    const main = await mainNode({ node2Port: 9 });
    assert.equal((await main.run('schedule', 'steady', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
    const down = await main.run('build', '--job', 'job1');
    assert.equal(down.status, 6, down.stderr);
    assert.match(down.stderr, /node node2 \(root@127\.0\.0\.1:9\) is unreachable/);
    assert.deepEqual([...census(main.layout).entries.values()], [['scheduled']]);
    assert.match(fs.readFileSync(path.join(main.root, 'reproducible-builds/scheduled/bookworm/amd64/steady/1.0'), 'utf8'), /Attempt: 2\n/);
    const fixed = await mainNode();
    fs.rmSync(fixed.root, { recursive: true });
    fs.cpSync(main.root, fixed.root, { recursive: true });
    pinNodeKeys(fixed.root, Object.fromEntries(fixed.nodeEntries)); // the copied main pinned the first pair's keys
    const rerun = await fixed.run('--json', 'build', '--job', 'job1');
    assert.equal(rerun.status, 0, rerun.stderr);
    assert.equal(fromJson(rerun.stdout).verdict, 'reproducible');
    assertNodesEmpty([...main.roots, ...fixed.roots]);
  });

  it('cleans up on main and on the nodes it reaches when an entry goes to failed/, and names the node it could not reach', async () => {
    const main = await mainNode({ node2Port: 9 });
    main.write({ thresholds: { sshConnectTimeoutSeconds: 2, sshRetries: 0, sshBackoffSeconds: 0.05, maxAttempts: 1 } });
    assert.equal((await main.run('schedule', 'steady', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
    const down = await main.run('build', '--job', 'job1');
    assert.equal(down.status, 6, down.stderr);
    assert.deepEqual([...census(main.layout).entries.values()], [['failed']]);
    const failed = fs.readFileSync(path.join(main.root, 'reproducible-builds/failed/bookworm/amd64/steady/1.0'), 'utf8');
    assert.match(failed, /^Leftovers-On: node2$/m);
    assert.equal(census(main.layout).results.size, 0, "build 1's fetched results are gone from main");
    assert.deepEqual(
      fs.existsSync(path.join(main.root, 'reproducible-results'))
        ? fs.readdirSync(path.join(main.root, 'reproducible-results'), { recursive: true }).filter((n) => String(n).endsWith('/result'))
        : [],
      [],
    );
    assertNodesEmpty([main.roots[0]!]);
  });

  it('builds an entry again on a node that still holds results of an abandoned attempt', async () => {
    const main = await mainNode();
    const stale = path.join(main.roots[0]!.root, 'reproducible-results/node1/bookworm/amd64/steady/1.0');
    fs.mkdirSync(stale, { recursive: true });
    fs.writeFileSync(path.join(stale, 'result'), 'Status: FTBFS\n');
    assert.equal((await main.run('schedule', 'steady', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
    const result = await main.run('--json', 'build', '--job', 'job1');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(fromJson(result.stdout).verdict, 'reproducible');
    assertNodesEmpty(main.roots);
  });

  it('pauses on a NO-BUILDS-PLEASE file in the main root: exit 3 with its reason, the entry left waiting', async () => {
    const main = await mainNode();
    assert.equal((await main.run('schedule', 'steady', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
    fs.writeFileSync(path.join(main.root, 'NO-BUILDS-PLEASE'), 'node maintenance until 18:00\n');
    const paused = await main.run('build', '--job', 'job1');
    assert.equal(paused.status, 3);
    assert.match(paused.stderr, /paused by .*NO-BUILDS-PLEASE: node maintenance until 18:00/);
    assert.deepEqual([...census(main.layout).entries.values()], [['scheduled']]);
  });

  it('marks a node offline after repeated failures, skips it without touching the entry, and clears it after a successful recheck', async () => {
    const main = await mainNode({ node2Port: 9 });
    const config = path.join(main.dir, 'repro-spool.json');
    const withThresholds = (port: number, recheck: number) => {
      const c = fromJson<ConfigFile>(fs.readFileSync(config, 'utf8'));
      c.nodes.node2!.port = port;
      c.thresholds = { ...c.thresholds, nodeOfflineAfterFailures: 2, nodeRecheckSeconds: recheck };
      fs.writeFileSync(config, JSON.stringify(c));
    };
    withThresholds(9, 3600);
    assert.equal((await main.run('schedule', 'steady', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
    for (let i = 0; i < 2; i++) assert.equal((await main.run('build', '--job', 'job1')).status, 6);
    const entry = path.join(main.root, 'reproducible-builds/scheduled/bookworm/amd64/steady/1.0');
    assert.match(fs.readFileSync(entry, 'utf8'), /Attempt: 3\n/);
    const skipped = await main.run('build', '--job', 'job1');
    assert.equal(skipped.status, 6);
    assert.match(skipped.stderr, /node node2 is offline since \S+ \(2 failures, last: node node2 .*unreachable.*\); next try after/);
    assert.match(fs.readFileSync(entry, 'utf8'), /Attempt: 3\n/, 'a skipped job moves nothing');
    assert.match((await main.run('status')).stdout, /node node2: OFFLINE since/);
    withThresholds(nodes[1]!.node.port, 0.01);
    const rechecked = await main.run('--json', 'build', '--job', 'job1');
    assert.equal(rechecked.status, 0, rechecked.stderr);
    assert.equal(fs.existsSync(path.join(main.root, 'node-health', 'node2')), false, 'healthy again');
  });

  it("survives node2's sshd being killed during build 2: exit 6, entry back, and a rerun completes once node2 is back", async () => {
    const main = await mainNode();
    assert.equal((await main.run('schedule', 'slowish', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
    const job = main.run('build', '--job', 'job1');
    const pending = path.join(main.roots[1]!.root, 'reproducible-builds/pending/bookworm/amd64/slowish/1.0');
    const deadline = Date.now() + 30_000;
    while (!fs.existsSync(pending)) {
      assert.ok(Date.now() < deadline, 'build 2 started on node2');
      await sleep(50);
    }
    nodes[1]!.kill();
    const result = await job;
    assert.equal(result.status, 6, result.stderr);
    assert.match(result.stderr, /node node2 .*unreachable or the connection dropped/);
    assert.deepEqual([...census(main.layout).entries.values()], [['scheduled']], 'the entry is back, once');
    await nodes[1]!.restart();
    // The remote build outlives its dropped session (killing ssh does not stop it) and finishes by itself.
    while (spawnSync('pgrep', ['-f', 'exchange 2 --node node2 --entry bookworm/amd64/slowish']).status === 0) await sleep(100);
    const rerun = await main.run('--json', 'build', '--job', 'job1');
    assert.equal(rerun.status, 0, rerun.stderr);
    assert.equal(fromJson(rerun.stdout).verdict, 'reproducible');
    assert.equal(census(main.layout).entries.size, 0);
    assertNodesEmpty(main.roots);
  });

  it('does not blame the node when its build is killed there (the OOM killer, an operator): the node answered', async () => {
    const main = await mainNode();
    assert.equal((await main.run('schedule', 'slowish', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
    const job = main.run('build', '--job', 'job1');
    const builder = 'exchange 1 --node node1 --entry bookworm/amd64/slowish';
    await until(() => spawnSync('pgrep', ['-f', 'sleep 3.3']).status === 0, 'build 1 runs on node1');
    const killed = spawnSync('pkill', ['-KILL', '-f', `^${process.execPath} ${CLI} .*${builder}`]);
    assert.equal(killed.status, 0, 'the remote builder was killed');
    const result = await job;
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /build 1 on node1 was killed by signal 9/);
    assert.equal(fs.existsSync(path.join(main.root, 'node-health', 'node1')), false, 'no failure recorded against node1');
    assert.deepEqual([...census(main.layout).entries.values()], [['scheduled']], 'the entry is back, once');
  });

  it('lets a remote build outlive a SIGKILLed main job: the rerun waits for it (exit 4, Attempt unchanged), then completes once', async () => {
    const main = await mainNode();
    assert.equal((await main.run('schedule', 'held', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
    const job = spawn(process.execPath, [CLI, '--root', main.root, '--config', path.join(main.dir, 'repro-spool.json'), 'build', '--job', 'job1'], {
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => job.on('exit', resolve));
    const pending = path.join(main.roots[0]!.root, 'reproducible-builds/pending/bookworm/amd64/held/1.0');
    await until(() => fs.existsSync(pending), 'build 1 started on node1');
    job.kill('SIGKILL');
    await exited;
    assert.equal((await main.run('reap')).status, 0);
    const scheduled = path.join(main.root, 'reproducible-builds/scheduled/bookworm/amd64/held/1.0');
    const attempt = () => /^Attempt: ([0-9]+)$/m.exec(fs.readFileSync(scheduled, 'utf8'))?.[1];
    assert.equal(attempt(), '2', 'the dead job counts as an attempt');
    const busy = await main.run('build', '--job', 'job1');
    assert.equal(busy.status, 4, busy.stderr);
    assert.match(busy.stderr, /node1 is still building a copy of this entry/);
    assert.equal(attempt(), '2', 'waiting for the orphan is not an attempt');
    fs.writeFileSync(HOLD_RELEASE, '');
    await until(() => !fs.existsSync(pending), 'the orphaned build 1 finished on node1');
    await assertRerunChecksOnce(main);
  });

  it('awaits the build of a node run by its watch agent instead of starting one over ssh, and exits 6 when no agent runs there', async () => {
    const main = await mainNode();
    const configFile = path.join(main.dir, 'repro-spool.json');
    const config = fromJson<ConfigFile>(fs.readFileSync(configFile, 'utf8'));
    config.nodes.node1!.agent = true;
    fs.writeFileSync(configFile, JSON.stringify(config));
    const [, node1] = main.nodeEntries[0]!;
    assert.equal(spawnSync(process.execPath, [CLI, '--root', node1.root, 'init', '--node', 'node1']).status, 0, 'the node is set up before its agent starts');
    const agent = spawn(process.execPath, [CLI, '--root', node1.root, '--config', node1.command.at(-1)!, '--json', 'watch', '--node', 'node1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const agentExit = new Promise<number | null>((resolve) => agent.on('exit', resolve));
    let agentLog = '';
    let agentOut = '';
    agent.stderr.on('data', (d) => (agentLog += d));
    agent.stdout.on('data', (d) => (agentOut += d));
    await until(() => agentLog.includes('watching'), 'the agent watches its inbox');
    const second = spawnSync(process.execPath, [CLI, '--root', node1.root, '--config', node1.command.at(-1)!, 'watch', '--node', 'node1'], {
      encoding: 'utf8',
    });
    assert.equal(second.status, 4, 'one agent per node');
    assert.match(second.stderr, /a watch agent already serves node1/);
    assert.equal((await main.run('schedule', 'steady', 'wobbly', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
    const first = await main.run('--json', 'build', '--job', 'job1');
    assert.equal(first.status, 0, first.stderr);
    assert.equal(fromJson(agentOut.trim().split('\n')[0]!).buildNumber, 1, 'the agent, not an ssh-started build, built it on node1');
    agent.kill('SIGTERM');
    assert.equal(await agentExit, 0, agentLog);
    const orphaned = await main.run('build', '--job', 'job1');
    assert.equal(orphaned.status, 6, orphaned.stderr);
    assert.match(orphaned.stderr, /node node1 has no watch agent running/);
    assert.deepEqual([...census(main.layout).entries.values()], [['scheduled']], 'the second package is back, once');
    const again = spawn(process.execPath, [CLI, '--root', node1.root, '--config', node1.command.at(-1)!, 'watch', '--node', 'node1'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const againExit = new Promise<number | null>((resolve) => again.on('exit', resolve));
    let againLog = '';
    again.stderr.on('data', (d) => (againLog += d));
    await until(() => againLog.includes('watching'), 'the agent is back');
    // The agent builds the copy shipped while it was away; the next job clears that result (the entry has a Last-Failure) and ships again.
    await until(() => census(main.roots[0]!).entries.size === 0, 'the agent built the copy left in its inbox');
    const rerun = await main.run('--json', 'build', '--job', 'job1');
    assert.equal(rerun.status, 0, rerun.stderr);
    again.kill('SIGTERM');
    assert.equal(await againExit, 0, againLog);
    assert.equal(census(main.layout).entries.size, 0);
    assertNodesEmpty(main.roots);
  });

  it('is refused with exit 2 for names outside the grammars, before anything reaches a node', async () => {
    const main = await mainNode();
    for (const args of [
      ['build', '$(touch /tmp/x)', 'node2'],
      ['build', '--job', 'job1', '--suite', 'a;b'],
      ['build', 'node1', 'no-such-node'],
    ]) {
      const result = await main.run(...args);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    }
  });
});

describe('the main job SIGKILLed at each step', () => {
  for (const fault of [
    'pick:after-unlink',
    'check:after-build-1',
    'advance:after-write',
    'check:after-build-2',
    'check:after-verdict',
    'check:before-remove',
  ]) {
    it(`at ${fault}: reap (and a rerun, if the verdict was not yet recorded) give exactly one verdict and leave nothing on the nodes`, async () => {
      const main = await mainNode();
      assert.equal((await main.run('schedule', 'steady', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
      const crash = await cliAsync(main.root, ['--config', path.join(main.dir, 'repro-spool.json'), 'build', '--job', 'job1'], { REPRO_SPOOL_FAULT: fault });
      assert.equal(crash.signal, 'SIGKILL', `reached ${fault}: ${crash.stderr}`);
      assert.equal((await main.run('reap')).status, 0);
      assert.deepEqual([...census(main.layout).entries.values()], [['scheduled']], 'back in scheduled/ after the reap');
      if (fault === 'check:after-verdict' || fault === 'check:before-remove') {
        // The verdict file exists: the rerun only records it (once) and removes the entry.
        assert.match(
          fs.readFileSync(path.join(main.root, 'reproducible-builds/scheduled/bookworm/amd64/steady/1.0'), 'utf8'),
          /^Attempt: 1$/m,
          'not counted as an attempt',
        );
      }
      await assertRerunChecksOnce(main);
      assert.equal(
        await main.store.read(async (db) => Number((await db.all<{ n: number }>('SELECT count(*) AS n FROM result_history'))[0]!.n)),
        1,
        'exactly one verdict in the history',
      );
    });
  }
});

// Two at a time: each has a spool of its own on the shared nodes.
describe("node1's exchange SIGKILLed at each of its steps", { concurrency: 2 }, () => {
  for (const fault of ['exchange:after-temp', 'exchange:after-link', 'exchange:before-stream', 'exchange:before-remove']) {
    it(`at ${fault}: the job fails without blaming node1, the entry is back once, and a rerun checks it once`, async () => {
      const main = await mainNode({ node1Fault: fault });
      assert.equal((await main.run('schedule', 'steady', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
      const crashed = await main.run('build', '--job', 'job1');
      assert.equal(crashed.status, 1, crashed.stderr);
      assert.match(crashed.stderr, /build 1 on node1 was killed by signal 9/);
      assert.deepEqual([...census(main.layout).entries.values()], [['scheduled']], 'the entry is back, once');
      assert.equal(fs.existsSync(path.join(main.root, 'node-health', 'node1')), false, 'no failure recorded against node1');
      // node1 is well again: the same command without the fault.
      const file = path.join(main.dir, 'repro-spool.json');
      const config = fromJson<ConfigFile>(fs.readFileSync(file, 'utf8'));
      const node1 = config.nodes.node1!;
      const command = (node1.command as string[]).slice(2);
      fs.writeFileSync(file, JSON.stringify({ ...config, nodes: { ...config.nodes, node1: { ...node1, command } } }));
      await assertRerunChecksOnce(main);
    });
  }
});

describe('four jobs sharing two nodes', () => {
  // 24 (six a job) keeps the suite within its budget; scripts/soak runs the long version.
  it('check 24 scheduled packages concurrently, each exactly once', async () => {
    const names = Array.from({ length: 24 }, (_, i) => `many${String(i).padStart(2, '0')}`);
    const many = await startMirror(names.map((name) => ({ name, version: '1.0', build: ['mkdir -p out', `echo ${name} > out/data`] })));
    try {
      const main = await mainNode();
      const config = fromJson<ConfigFile>(fs.readFileSync(path.join(main.dir, 'repro-spool.json'), 'utf8'));
      const jobs = [1, 2, 3, 4].map((n) => ({ name: `job${n}`, arch: 'amd64', node1: n % 2 ? 'node1' : 'node2', node2: n % 2 ? 'node2' : 'node1' }));
      fs.writeFileSync(path.join(main.dir, 'repro-spool.json'), JSON.stringify({ ...config, mirror: many.url, jobs }));
      for (const [, node] of main.nodeEntries) {
        const nodeConfig = node.command[node.command.length - 1]!;
        fs.writeFileSync(nodeConfig, JSON.stringify({ ...JSON.parse(fs.readFileSync(nodeConfig, 'utf8')), mirror: many.url }));
      }
      assert.equal((await main.run('sources', 'import', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
      assert.equal((await main.run('schedule', '--new', '--suite', 'bookworm', '--arch', 'amd64', '--limit', '100')).status, 0);
      const checked = await Promise.all(
        jobs.map(async (job) => {
          const mine: string[] = [];
          // Jobs 1 and 2 check in one process each (--for), as the rendered Jenkins jobs do; 3 and 4 one check per process.
          if (job.name === 'job1' || job.name === 'job2') {
            const result = await main.run('--json', 'build', '--job', job.name, '--for', '600');
            if (result.status === 3) return mine;
            assert.equal(result.status, 0, `${job.name}: ${result.stderr}`);
            const loop = loopOutput(result.stdout);
            assert.equal(loop.summary.stopped, 'queue-empty');
            return loop.verdicts.map((v) => v.id.pkg);
          }
          for (;;) {
            const result = await main.run('--json', 'build', '--job', job.name);
            if (result.status === 3) return mine;
            assert.equal(result.status, 0, `${job.name}: ${result.stderr}`);
            mine.push((JSON.parse(result.stdout) as { id: { pkg: string } }).id.pkg);
          }
        }),
      );
      const all = checked.flat();
      assert.equal(all.length, names.length, 'no package checked twice');
      assert.deepEqual(new Set(all), new Set(names));
      assert.ok(checked.filter((c) => c.length > 0).length > 1, 'the jobs really ran side by side');
      const verdicts = await main.store.read(async (db) =>
        Number((await db.all<{ n: number }>("SELECT count(*) AS n FROM results WHERE verdict = 'reproducible'"))[0]!.n),
      );
      assert.equal(verdicts, names.length);
      assertNodesEmpty(main.roots);
    } finally {
      await many.close();
    }
  });
});

describe('collect-info', () => {
  it("gathers every node's info over ssh into node-information/ and reproducible.db, reporting a node that is down", async () => {
    const main = await mainNode({ node2Port: 9 });
    const result = await main.run('--json', 'collect-info');
    assert.equal(result.status, 6, 'one node was down');
    const collected = JSON.parse(result.stdout) as Array<{ node: string; info?: Record<string, string>; error?: string }>;
    assert.equal(collected[0]!.info!.ARCH, 'amd64');
    assert.match(collected[1]!.error!, /node2 .* unreachable/);
    assert.match(fs.readFileSync(path.join(main.root, 'reproducible-results/node-information/node1'), 'utf8'), /^ARCH=amd64\nNUM_CPU=\d+\n/);
    const rows = await main.store.read((db) => db.all<{ node: string; key: string }>("SELECT node, key FROM node_info WHERE key = 'KERNEL'"));
    assert.deepEqual(rows, [{ node: 'node1', key: 'KERNEL' }]);
  });
});

describe('a node without the base chroot of the entry', () => {
  it('fails the job with exit 6 naming the node, counts against its health, and hands the entry back', async () => {
    const main = await mainNode({ node1Config: { builder: 'sbuild', chroots: { dir: '/nonexistent/chroots' } } });
    assert.equal((await main.run('schedule', 'steady', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
    const job = await main.run('build', '--job', 'job1');
    assert.equal(job.status, 6, job.stderr);
    assert.match(job.stderr, /node node1 cannot build: it has no base chroot for bookworm\/amd64/);
    assert.equal(
      fs
        .readFileSync(path.join(main.root, 'node-health', 'node1'), 'utf8')
        .trim()
        .split('\n').length,
      1,
      'one failure recorded against node1',
    );
    assert.deepEqual([...census(main.layout).entries.values()], [['scheduled']], 'the entry waits in scheduled/');
    assertNodesEmpty([main.roots[1]!]);
    assert.deepEqual(
      [...census(main.roots[0]!).entries.values()],
      [['node1']],
      "node1's copy waits in its inbox, Attempt unchanged, for the next job's forget",
    );
  });
});

describe("a node's clock mode in main's configuration", () => {
  it('travels with the entry to the node that builds it as build 2, whose own setting says otherwise', async () => {
    const main = await mainNode({ node2Clock: 'off' });
    assert.equal((await main.run('schedule', 'steady', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
    const job = await main.run('--json', 'build', '--job', 'job1');
    assert.equal(job.status, 0, job.stderr);
    const { archive } = JSON.parse(job.stdout) as { archive: string };
    assert.match(fs.readFileSync(path.join(archive, 'build2', 'variations'), 'utf8'), /^Clock: off$/m, 'node2 fakes no clock');
    assert.match(fs.readFileSync(path.join(archive, 'build2', 'entry'), 'utf8'), /^Clock: off$/m);
  });
});

describe('a compromised node1 (the real CLI behind a wrapper that tampers with its word)', () => {
  const refusals: Array<[TamperMode, RegExp]> = [
    ['status-reproducible', /answered build 1 with status "reproducible": expected one of built, FTBFS/],
    ['duration-infinite', /answered build 1 with durationSeconds Infinity: expected a number of seconds from 0 to/],
    ['marker-other-node', /have a result marker with Node "node9": expected "node1"/],
    ['marker-other-build', /have a result marker with Build-Number "7": expected "1"/],
    ['no-deb', /say built but hold no \.deb/],
    ['symlink-in-results', /hold "etc\.deb", which is not a plain file \(find type l\)/],
    ['flood', /results stream has an answer over 2097152 bytes/],
    ['unlisted-product', /do not match their rebuild\.link: "extra_1\.0_all\.deb" is not one of its products/],
    ['altered-deb', /do not match their rebuild\.link: "steady_1\.0_all\.deb" has sha256 [0-9a-f]{64}, the link says/],
    ['foreign-key', /have a rebuild\.link not signed by a key pinned for node1 \(signed by [0-9a-f]{16}; pinned: [0-9a-f]{16}\)/],
  ];
  for (const [mode, refusal] of refusals) {
    it(`refuses ${mode}: exit 5, no verdict, the entry back with Attempt 2, and a failure against node1's health`, async () => {
      const main = await mainNode({ node1Tamper: mode });
      assert.equal((await main.run('schedule', 'steady', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
      const job = await main.run('build', '--job', 'job1');
      assert.equal(job.status, 5, job.stderr);
      assert.match(job.stderr, refusal);
      assert.doesNotMatch(job.stderr, /\n\s+at /, 'no stack trace');
      assert.deepEqual([...census(main.layout).entries.values()], [['scheduled']]);
      assert.match(fs.readFileSync(path.join(main.root, 'reproducible-builds/scheduled/bookworm/amd64/steady/1.0'), 'utf8'), /Attempt: 2\n/);
      assert.equal(
        fs
          .readFileSync(path.join(main.root, 'node-health', 'node1'), 'utf8')
          .trim()
          .split('\n').length,
        1,
      );
      const results = await main.store.read(async (db) => Number((await db.all<{ n: number }>('SELECT count(*) AS n FROM results'))[0]!.n));
      assert.equal(results, 0, 'no verdict recorded');
      assert.equal(fs.existsSync(path.join(main.root, 'archive')), false, 'nothing archived as a verdict');
      assert.deepEqual([...census(main.layout).results.keys()], [], 'nothing fetched stays on main');
    });
  }

  it('never hands diffoscope a .changes that names files outside the results (../../dev/zero), even signed by the node: it compares the differing .deb', async () => {
    const main = await mainNode({ node1Tamper: 'changes-escape' });
    assert.equal((await main.run('schedule', 'wobbly', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
    const started = Date.now();
    const job = await main.run('--json', 'build', '--job', 'job1');
    assert.equal(job.status, 0, job.stderr);
    const verdict = fromJson<{ verdict: string; diffoscope: string; archive: string }>(job.stdout);
    assert.equal(verdict.verdict, 'unreproducible');
    assert.equal(verdict.diffoscope, 'written');
    assert.ok(Date.now() - started < 60_000, 'diffoscope did not read /dev/zero until its timeout');
    assert.doesNotMatch(fs.readFileSync(path.join(verdict.archive, 'diffoscope.txt'), 'utf8'), /dev\/zero/);
  });
});

describe("the nodes' signing keys", () => {
  it('refuses the builds of a node whose key is not pinned (exit 5, entry back), pins it from collect-info with the id shown on the node, then verifies', async () => {
    const main = await mainNode({ unpinned: true });
    assert.equal((await main.run('schedule', 'steady', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
    const refused = await main.run('build', '--job', 'job1');
    assert.equal(refused.status, 5, refused.stderr);
    assert.match(refused.stderr, /node node1 has no pinned signing key, so its build 1 cannot be trusted: .*`repro-spool keys pin node1`/);
    assert.match(fs.readFileSync(path.join(main.root, 'reproducible-builds/scheduled/bookworm/amd64/steady/1.0'), 'utf8'), /Attempt: 2\n/);
    assert.equal(fs.existsSync(path.join(main.root, 'archive')), false, 'no verdict');

    assert.equal((await main.run('keys', 'pin', 'node1')).status, 3, 'nothing collected yet: nothing to pin');
    // node2 was never reached: its spool is made as a node's setup makes it, so it has a key to publish.
    const [, node1] = main.nodeEntries[0]!;
    const [, node2] = main.nodeEntries[1]!;
    assert.equal(spawnSync(node2.command[0], [...node2.command.slice(1), '--root', node2.root, 'init', '--node', 'node2']).status, 0);
    assert.equal((await main.run('collect-info')).status, 0);
    // The operator reads the key id on the node itself (over its own ssh session: here, its spool).
    const onNode = spawnSync(node1.command[0], [...node1.command.slice(1), '--root', node1.root, '--json', 'keys', 'show'], { encoding: 'utf8' });
    const nodeKey = fromJson<{ spool: string; current: { keyid: string } }>(onNode.stdout);
    assert.equal(nodeKey.spool, 'node node1');
    const shown = fromJson<{ nodes: Record<string, { pinned: unknown[]; collected: { keyid: string; pinned: boolean } }> }>(
      (await main.run('--json', 'keys', 'show')).stdout,
    );
    assert.deepEqual(shown.nodes.node1, { pinned: [], collected: { keyid: nodeKey.current.keyid, pinned: false } });
    const wrong = await main.run('keys', 'pin', 'node1', '--key-id', nodeKey.current.keyid.startsWith('0') ? '11111111' : '00000000');
    assert.equal(wrong.status, 5, 'a key id that is not the collected one pins nothing');
    assert.equal((await main.run('keys', 'pin', 'node1', '--key-id', nodeKey.current.keyid.slice(0, 12))).status, 0);
    assert.equal((await main.run('keys', 'pin', 'node2')).status, 0);
    const job = await main.run('--json', 'build', '--job', 'job1');
    assert.equal(job.status, 0, job.stderr);
    const verified = await main.run('--json', 'verify', 'steady');
    assert.equal(verified.status, 0, verified.stdout);
    assert.deepEqual(
      fromJson<{ links: Array<{ signedFor: string; signer: string }> }>(verified.stdout).links.map((l) => l.signedFor),
      ['main', 'node1', 'node2'],
    );

    // node1 rotates its key: its next build is signed by the new key, which the old (pinned) one endorsed, so main pins it and goes on.
    const rotated = spawnSync(node1.command[0], [...node1.command.slice(1), '--root', node1.root, '--json', 'keys', 'rotate'], { encoding: 'utf8' });
    assert.equal(rotated.status, 0, rotated.stderr);
    const newKey = fromJson<{ current: { keyid: string } }>(rotated.stdout).current.keyid;
    assert.equal((await main.run('schedule', 'wobbly', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
    const after = await main.run('build', '--job', 'job1');
    assert.equal(after.status, 0, after.stderr);
    const pins = fromJson<{ nodes: Record<string, { pinned: Array<{ keyid: string }> }> }>((await main.run('--json', 'keys', 'show')).stdout).nodes.node1!
      .pinned;
    assert.deepEqual(pins.map((k) => k.keyid).sort(), [nodeKey.current.keyid, newKey].sort(), 'the endorsed key is pinned beside the old one');
    assert.equal((await main.run('verify', 'wobbly')).status, 0);
    assert.equal((await main.run('verify', 'steady')).status, 0, 'links of the old key still verify');
  });
});

describe('collect-info from a node that answers what is not node information', () => {
  for (const [mode, refusal] of [
    ['info-banner', /node node1's information is not JSON \(a banner from a shell startup file\?\): "Welcome to node1!/],
    ['info-inject', /node node1's information has KERNEL = "x\\nARCH=evil": expected one line without control characters/],
    ['info-object', /node node1's information has KERNEL = \{"version":6\}: expected a string/],
  ] as const) {
    it(`reports ${mode} for node1 (exit 5), keeps nothing of it, and still collects node2`, async () => {
      const main = await mainNode({ node1Tamper: mode });
      const result = await main.run('--json', 'collect-info');
      assert.equal(result.status, 5, result.stderr);
      const collected = JSON.parse(result.stdout) as Array<{ node: string; info?: Record<string, string>; error?: string }>;
      assert.match(collected[0]!.error!, refusal);
      assert.equal(collected[1]!.info!.ARCH, 'amd64');
      assert.equal(fs.existsSync(path.join(main.root, 'reproducible-results/node-information/node1')), false);
      assert.match(fs.readFileSync(path.join(main.root, 'reproducible-results/node-information/node2'), 'utf8'), /^ARCH=amd64\n/);
    });
  }
});

describe("a node whose host key changed (OpenSSH's multi-line warning, in \\r\\n lines)", () => {
  it('exits 6 with the warning as the reason, no stack trace, and the entry back in scheduled/ with a readable Last-Failure', async () => {
    const main = await mainNode();
    const impostor = path.join(main.dir, 'impostor_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', impostor]);
    const knownHosts = path.join(main.dir, 'known_hosts_changed');
    // As "localhost": a ControlMaster other tests keep open to 127.0.0.1 would spare this connection its host key check.
    fs.writeFileSync(knownHosts, `[localhost]:${nodes[0]!.node.port} ${fs.readFileSync(`${impostor}.pub`, 'utf8')}`);
    const [node1, node2] = main.nodeEntries.map(([, n]) => n);
    main.write({ nodes: { node1: { ...node1, host: 'localhost', knownHostsFile: knownHosts }, node2 } });
    assert.equal((await main.run('schedule', 'steady', '--suite', 'bookworm', '--arch', 'amd64')).status, 0);
    const job = await main.run('build', '--job', 'job1');
    assert.equal(job.status, 6, job.stderr);
    assert.match(job.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED/);
    assert.doesNotMatch(job.stderr, /\n\s+at /, 'no stack trace');
    assert.deepEqual([...census(main.layout).entries.values()], [['scheduled']]);
    const entry = fs.readFileSync(path.join(main.root, 'reproducible-builds/scheduled/bookworm/amd64/steady/1.0'), 'utf8');
    assert.match(entry, /Attempt: 2\n/);
    assert.match(entry, /^Last-Failure: check failed: .*REMOTE HOST IDENTIFICATION HAS CHANGED.*Host key verification failed\.$/m);
    assert.doesNotMatch(entry, /\r/);
  });
});
