/**
 * Orchestration overhead per package of a check over ssh, with a no-op builder over real
 * sshd (two on 127.0.0.1, each with its own keys and port): the nodes run the real
 * `build 1|2` (claim, source fetch from a local mirror, complete, locks), but
 * noop-builder.mjs turns dpkg-source/dpkg-checkbuilddeps/dpkg-buildpackage into no-ops that
 * leave one identical .deb, so every verdict is `reproducible` and only orchestration is timed.
 * Baseline, same run, interleaved: per package and node, a plain scp (entry) / ssh (no-op
 * build) / scp -r (results back) without connection reuse: 6 fresh connections per package.
 * Variants: repro-spool `build --job job1` until exit 3 (1 job, node1→node2), and 4 jobs
 * on the same 2 nodes at once (job1, job3 node1→node2; job2, job4 node2→node1), each
 * with one process per check and with one process per job (`--for`, the rendered Jenkins job).
 * Each round schedules N fresh packages into a fresh main spool and fresh node roots
 * (untimed); the nodes' ControlMasters are warm, as in steady operation.
 * Aim: know the ratio; 4 jobs should beat 1. Usage: node --import tsx scripts/bench/remote-check.ts [N] [ROUNDS]
 * (run `npm run build` first if dist/ is stale: the nodes and main run bin/repro-spool.js)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { pinNodeKeys } from '../../test/helpers/pin.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initSpoolRoot } from '../../src/spool/root.js';
import { privateSocketDir } from '../../src/transport/socket-dir.js';
import { fileURLToPath } from 'node:url';
import type { NodeConfig } from '../../src/config/config.js';
import { type Mirror, startMirror } from '../../test/helpers/mirror.js';
import { CLI, type PrintedVerdict, cliAsync, loopOutput } from '../../test/helpers/spool.js';
import { type TestSshd, startSshd } from '../../test/helpers/sshd.js';
import { compare, report } from './measure.js';

const N = Number(process.argv[2] ?? 12);
const ROUNDS = Number(process.argv[3] ?? 3);
const NOOP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'noop-builder.mjs');
const NAMES = Array.from({ length: N }, (_, i) => `noop${String(i).padStart(2, '0')}`);
const DEB = 'noop_1.0_all.deb';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-remote-'));
const sshds: TestSshd[] = [];
let mirror: Mirror | undefined;

/** ssh/scp options reaching a test sshd; scp takes the port as -P. */
function sshOptions(node: NodeConfig, scp = false): string[] {
  return [
    scp ? '-P' : '-p',
    String(node.port),
    '-i',
    node.identityFile!,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    `UserKnownHostsFile=${node.knownHostsFile}`,
    '-o',
    'StrictHostKeyChecking=yes',
  ];
}
const destination = (node: NodeConfig) => `${node.user}@${node.host}`;
/** The ControlPath of src/transport/ssh.ts: the bench warms its masters up (untimed) and ends them. */
const master = (node: NodeConfig, op: 'check' | 'exit') =>
  spawnSync('ssh', [...sshOptions(node), '-o', `ControlPath=${path.join(privateSocketDir(), '%C')}`, '-O', op, destination(node)], { stdio: 'ignore' })
    .status === 0;
function warmMaster(node: NodeConfig): void {
  if (master(node, 'check')) return;
  spawnSync(
    'ssh',
    [...sshOptions(node), '-o', `ControlPath=${path.join(privateSocketDir(), '%C')}`, '-f', '-N', '-M', '-o', 'ControlPersist=60', destination(node)],
    { stdio: 'ignore', timeout: 20_000 },
  );
}

interface Main {
  readonly root: string;
  readonly config: string;
  readonly nodeRoots: string[];
}
let mains = 0;
/** Untimed: a fresh main spool and fresh node roots, the catalogue imported and all N packages scheduled. */
async function freshMain(jobs: ReadonlyArray<readonly [string, string]>): Promise<Main> {
  const dir = path.join(work, `main${++mains}`);
  const root = path.join(dir, 'root');
  initSpoolRoot(root, new Date());
  const nodeRoots = sshds.map((sshd) => path.join(sshd.dir, `bench-${mains}`));
  nodeRoots.forEach((nodeRoot) => fs.mkdirSync(nodeRoot));
  const nodes = Object.fromEntries(
    sshds.map((sshd, i) => [
      `node${i + 1}`,
      { ...sshd.node, root: nodeRoots[i]!, command: [process.execPath, '--import', NOOP, CLI, '--config', path.join(sshd.dir, 'bench-node.json')] },
    ]),
  );
  const config = path.join(dir, 'repro-spool.json');
  const jobList = jobs.map(([node1, node2], i) => ({ name: `job${i + 1}`, arch: 'amd64', node1, node2 }));
  fs.writeFileSync(config, JSON.stringify({ root, mirror: mirror!.url, suites: ['bookworm'], nodes, jobs: jobList }));
  const main = { root, config, nodeRoots };
  pinNodeKeys(root, nodes);
  await cli(main, 'sources', 'import', '--suite', 'bookworm', '--arch', 'amd64');
  await cli(main, 'schedule', '--new', '--suite', 'bookworm', '--arch', 'amd64', '--limit', String(N));
  for (const sshd of sshds) warmMaster(sshd.node);
  return main;
}

async function cli(main: Main, ...args: string[]): Promise<string> {
  const result = await cliAsync(main.root, ['--config', main.config, ...args]);
  if (result.status !== 0) throw new Error(`repro-spool ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

/** A verdict must be reproducible: anything else means the no-op builder was not loaded. */
function assertReproducible(verdict: PrintedVerdict): void {
  if (verdict.verdict !== 'reproducible') throw new Error(`${verdict.id.pkg}: ${verdict.verdict}, expected reproducible (is the no-op builder loaded?)`);
}

/**
 * One job's checks: one process per check (`build --job NAME` until exit 3, as a cron line
 * or a Jenkins trigger per check would) or all in one process (`--for`, as the rendered Jenkins job does).
 */
async function drain(main: Main, job: string, oneProcess = false): Promise<number> {
  if (oneProcess) {
    const result = await cliAsync(main.root, ['--config', main.config, '--json', 'build', '--job', job, '--for', '3600']);
    if (result.status === 3) return 0;
    if (result.status !== 0) throw new Error(`${job} exited ${result.status}: ${result.stderr}`);
    const { verdicts } = loopOutput(result.stdout);
    verdicts.forEach(assertReproducible);
    return verdicts.length;
  }
  for (let done = 0; ; done++) {
    const result = await cliAsync(main.root, ['--config', main.config, '--json', 'build', '--job', job]);
    if (result.status === 3) return done;
    if (result.status !== 0) throw new Error(`${job} exited ${result.status}: ${result.stderr}`);
    assertReproducible(JSON.parse(result.stdout) as PrintedVerdict);
  }
}

const ONE_JOB = [['node1', 'node2']] as const;
/** Four jobs on the same two nodes: job1, job3 node1→node2; job2, job4 node2→node1. */
const FOUR_JOBS = [
  ['node1', 'node2'],
  ['node2', 'node1'],
  ['node1', 'node2'],
  ['node2', 'node1'],
] as const;

/** A timed variant: these jobs, all at once, each draining the queue until all N packages are checked. */
function jobsVariant(name: string, jobs: ReadonlyArray<readonly [string, string]>, oneProcess: boolean) {
  let main: Main | undefined;
  return {
    name,
    prepare: async () => void (main = await freshMain(jobs)),
    run: async () => {
      const done = (await Promise.all(jobs.map((_, i) => drain(main!, `job${i + 1}`, oneProcess)))).reduce((a, b) => a + b, 0);
      if (done !== N) throw new Error(`${jobs.length} job(s) checked ${done} of ${N}`);
      return done;
    },
    cleanup: () => removeMain(main),
  };
}

function removeMain(main: Main | undefined): void {
  if (!main) return;
  fs.rmSync(path.dirname(main.root), { recursive: true, force: true });
  for (const nodeRoot of main.nodeRoots) fs.rmSync(nodeRoot, { recursive: true, force: true });
}

try {
  mirror = await startMirror(NAMES.map((name) => ({ name, version: '1.0', build: ['true'] })));
  sshds.push(await startSshd(), await startSshd());
  sshds.forEach((sshd, i) =>
    fs.writeFileSync(path.join(sshd.dir, 'bench-node.json'), JSON.stringify({ node: `node${i + 1}`, builder: 'host', mirror: mirror!.url })),
  );
  // An entry as the spool ships it (Node and Build-Number included): what the baseline copies.
  const entry = path.join(work, 'entry');
  const sha = '0'.repeat(64);
  fs.writeFileSync(
    entry,
    `Source: noop00\nVersion: 1.0\nSuite: bookworm\nArchitecture: amd64\nDsc-Sha256: ${sha}\nDsc-Url: pool/main/n/noop00/noop00_1.0.dsc\nAttempt: 1\nScheduled: 2026-11-25T00:00:00.000Z\nJob: job1\nNode: node1\nBuild-Number: 1\n`,
  );
  const plain = (sshd: TestSshd) => path.join(sshd.dir, 'plain');
  const results = await compare(
    [
      {
        name: 'plain scp/ssh/scp, no reuse',
        prepare: () => {
          fs.mkdirSync(path.join(work, 'plain'));
          for (const sshd of sshds) fs.mkdirSync(plain(sshd));
        },
        run: () => {
          const fresh = ['-o', 'ControlMaster=no', '-o', 'ControlPath=none'];
          for (const name of NAMES) {
            for (const [i, sshd] of sshds.entries()) {
              const remote = path.join(plain(sshd), name);
              const at = `${destination(sshd.node)}:`;
              execFileSync('scp', ['-q', ...sshOptions(sshd.node, true), ...fresh, entry, `${at}${remote}.entry`]);
              execFileSync('ssh', [
                '-n',
                ...sshOptions(sshd.node),
                ...fresh,
                destination(sshd.node),
                `mkdir -p ${remote} && printf 'no-op build\\n' > ${remote}/${DEB}`,
              ]);
              execFileSync('scp', ['-q', '-r', ...sshOptions(sshd.node, true), ...fresh, `${at}${remote}`, path.join(work, 'plain', `${name}-${i + 1}`)]);
            }
          }
          return N;
        },
        cleanup: () => {
          fs.rmSync(path.join(work, 'plain'), { recursive: true, force: true });
          for (const sshd of sshds) fs.rmSync(plain(sshd), { recursive: true, force: true });
        },
      },
      jobsVariant('repro-spool, 1 job', ONE_JOB, false),
      jobsVariant('repro-spool, 4 jobs on 2 nodes', FOUR_JOBS, false),
      jobsVariant('repro-spool, 1 job, one process (--for)', ONE_JOB, true),
      jobsVariant('repro-spool, 4 jobs, one process each (--for)', FOUR_JOBS, true),
    ],
    ROUNDS,
  );
  report(`remote check with a no-op builder, ${N} packages × 2 nodes, median of ${ROUNDS} interleaved rounds (ops = packages)`, results);
  const [plainRun, one, four, oneLoop, fourLoop] = [results[0]!, results[1]!, results[2]!, results[3]!, results[4]!];
  console.log(
    `  per package: plain ${(plainRun.medianMs / N).toFixed(0)} ms, repro-spool 1 job ${(one.medianMs / N).toFixed(0)} ms, 4 jobs ${(four.medianMs / N).toFixed(0)} ms (wall)`,
  );
  console.log(
    `  one process per job (--for): 1 job ${(oneLoop.medianMs / N).toFixed(0)} ms, 4 jobs ${(fourLoop.medianMs / N).toFixed(0)} ms per package (wall)`,
  );
  console.log(`  overhead: repro-spool 1 job / plain scp-ssh-scp = ${(one.medianMs / plainRun.medianMs).toFixed(2)}×`);
  console.log(
    `  overhead, one process per job: 1 job ${(oneLoop.medianMs / plainRun.medianMs).toFixed(2)}×, 4 jobs ${(fourLoop.medianMs / plainRun.medianMs).toFixed(2)}× of plain`,
  );
  console.log(
    `  throughput: 4 jobs / 1 job = ${(four.opsPerSecond / one.opsPerSecond).toFixed(2)}× (${four.opsPerSecond.toFixed(2)} vs ${one.opsPerSecond.toFixed(2)} packages/s)`,
  );
} finally {
  for (const sshd of sshds) master(sshd.node, 'exit');
  await Promise.all(sshds.map((sshd) => sshd.stop()));
  await mirror?.close();
  for (const dir of [work, mirror?.root, ...sshds.map((s) => s.dir)]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
