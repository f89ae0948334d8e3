/**
 * The randomized fault harness for whole checks over ssh: concurrent jobs on two real
 * sshd nodes while, at random moments, jobs are SIGKILLed (alone or with their ssh
 * children), SIGSTOPped past the stale time, node builds are killed and a node's sshd is
 * killed and restarted. Then everything is reaped and drained, and checked: exactly one
 * verdict per package or one failed/ entry with its reason (never both); one build 1 and
 * one build 2 per verdict; main and node spools empty; no results, temps, locks or build
 * directories left; no stray processes. Used by test/remote/chaos.test.ts (bounded) and
 * scripts/soak/checks.ts (long).
 */
import { pinNodeKeys } from './pin.js';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../../src/errors.js';
import { sleep } from '../../src/retry.js';
import { Layout } from '../../src/spool/layout.js';
import { initSpoolRoot } from '../../src/spool/root.js';
import { FileStore } from '../../src/store/file-store.js';
import type { Mirror } from './mirror.js';
import { STACK_TRACE, seededRandom } from './random.js';
import { CLI, type CliResult, census, cliAsync, sandbox } from './spool.js';
import type { TestSshd } from './sshd.js';

export interface CheckChaosOptions {
  readonly mirror: Mirror;
  /** node1 and node2. */
  readonly nodes: readonly [TestSshd, TestSshd];
  /** Packages the mirror serves, all scheduled at the start. */
  readonly packages: readonly string[];
  readonly jobs: number;
  /** How long faults are injected. */
  readonly chaosSeconds: number;
  /** Mean time between two faults. */
  readonly faultEveryMs: number;
  readonly seed: number;
}

export interface CheckChaosReport {
  readonly faults: Record<string, number>;
  readonly checks: Record<string, number>;
  readonly verdicts: number;
  readonly failed: number;
  readonly violations: string[];
  readonly seconds: number;
}

const STALE_SECONDS = 4;
/** Results and inbox copies of an entry that failed meanwhile are nobody's: the reapers remove them after this. */
const ABANDONED_SECONDS = 15;

export async function runCheckChaos(options: CheckChaosOptions): Promise<CheckChaosReport> {
  const started = Date.now();
  const rand = seededRandom(options.seed);
  const s = sandbox('check-chaos');
  const thresholds = {
    lockStaleSeconds: STALE_SECONDS,
    lockUpdateSeconds: 1,
    killGraceSeconds: 1,
    maxAttempts: 4,
    downloadRetries: 0,
    abandonedMaxAgeSeconds: ABANDONED_SECONDS,
  };
  const nodeEntries = options.nodes.map((sshd, i) => {
    const name = `node${i + 1}`;
    const root = path.join(sshd.dir, path.basename(s.dir));
    initSpoolRoot(root, new Date()); // `repro-spool init`, as a node's setup does
    const config = path.join(sshd.dir, `${path.basename(s.dir)}.json`);
    fs.writeFileSync(config, JSON.stringify({ node: name, builder: 'host', mirror: options.mirror.url, thresholds }));
    return { name, root, config, node: { ...sshd.node, root, command: [process.execPath, CLI, '--config', config] } };
  });
  const config = path.join(s.dir, 'repro-spool.json');
  const jobs = Array.from({ length: options.jobs }, (_, i) => ({ name: `job${i + 1}`, arch: 'amd64', node1: 'node1', node2: 'node2' }));
  fs.writeFileSync(
    config,
    JSON.stringify({
      mirror: options.mirror.url,
      suites: ['bookworm'],
      nodes: Object.fromEntries(nodeEntries.map((n) => [n.name, n.node])),
      jobs,
      thresholds: { ...thresholds, sshConnectTimeoutSeconds: 2, sshRetries: 1, sshBackoffSeconds: 0.1, nodeOfflineAfterFailures: 1000 },
    }),
  );
  const run = (...args: string[]) => cliAsync(s.root, ['--config', config, ...args]);
  const violations: string[] = [];
  const expectOk = (what: string, result: CliResult, allowed: readonly number[] = [0]) => {
    if (!allowed.includes(result.status ?? -1)) violations.push(`${what} exited ${result.status ?? result.signal}: ${result.stderr.trim().slice(0, 400)}`);
  };
  expectOk('sources import', await run('sources', 'import', '--suite', 'bookworm', '--arch', 'amd64'));
  expectOk('schedule', await run('schedule', ...options.packages, '--suite', 'bookworm', '--arch', 'amd64'));
  pinNodeKeys(s.root, Object.fromEntries(nodeEntries.map((n) => [n.name, n])));

  const faults: Record<string, number> = {};
  const checks: Record<string, number> = {};
  const count = (table: Record<string, number>, key: string) => (table[key] = (table[key] ?? 0) + 1);
  const running = new Set<ChildProcess>();
  let chaos = true;

  // The jobs: each runs `build --job` again and again, in its own process group (as Jenkins starts it).
  const jobLoop = async (job: string) => {
    while (chaos) {
      const child = spawn(process.execPath, [CLI, '--root', s.root, '--config', config, 'build', '--job', job], {
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, REPRO_SPOOL_FAULT: '' },
      });
      running.add(child);
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (code, sig) => resolve([code, sig])));
      running.delete(child);
      count(checks, signal ?? String(status));
      if (STACK_TRACE.test(stderr)) violations.push(`build --job ${job} printed a stack trace: ${stderr.trim().slice(0, 600)}`);
      if (status === 3) await sleep(200); // nothing scheduled right now
    }
  };

  const injectFaults = async () => {
    const deadline = Date.now() + options.chaosSeconds * 1000;
    while (Date.now() < deadline) {
      await sleep(options.faultEveryMs * (0.5 + rand()));
      const jobsNow = [...running];
      const victim = jobsNow[Math.floor(rand() * jobsNow.length)];
      const r = rand();
      if (r < 0.25 && victim?.pid) {
        victim.kill('SIGKILL'); // the job alone: its ssh children live on
        count(faults, 'job SIGKILL');
      } else if (r < 0.4 && victim?.pid) {
        signalGroup(victim.pid, 'SIGKILL'); // the job with its ssh children
        count(faults, 'job group SIGKILL');
      } else if (r < 0.5 && victim?.pid) {
        victim.kill('SIGTERM'); // Jenkins' abort
        count(faults, 'job SIGTERM');
      } else if (r < 0.65 && victim?.pid) {
        signalGroup(victim.pid, 'SIGSTOP');
        count(faults, 'job SIGSTOP past stale');
        const pid = victim.pid;
        setTimeout(() => signalGroup(pid, 'SIGCONT'), (STALE_SECONDS + 1) * 1000);
      } else if (r < 0.85) {
        const node = nodeEntries[Math.floor(rand() * 2)]!;
        spawnSync('pkill', ['-KILL', '-f', `--config ${node.config} --root ${node.root} --json build`]);
        count(faults, 'node build SIGKILL');
      } else {
        const sshd = options.nodes[Math.floor(rand() * 2)]!;
        sshd.kill();
        count(faults, 'sshd killed');
        await sleep(300 + rand() * 1500);
        await sshd.restart();
      }
    }
  };

  // cron: the reaper every few seconds on main and on each node, as a deployment runs it
  const reaperLoop = async () => {
    while (chaos) {
      await sleep(2000 + rand() * 2000);
      for (const [root, cfg] of [[s.root, config], ...nodeEntries.map((n) => [n.root, n.config] as const)] as const) {
        const reaped = await cliAsync(root, ['--config', cfg, 'reap']);
        if (STACK_TRACE.test(reaped.stderr)) violations.push(`reap printed a stack trace: ${reaped.stderr.trim().slice(0, 600)}`);
        if (![0, 4].includes(reaped.status ?? -1)) violations.push(`reap on ${root} exited ${reaped.status}: ${reaped.stderr.trim().slice(0, 400)}`);
      }
    }
  };

  await Promise.all([...jobs.map((j) => jobLoop(j.name)), reaperLoop(), injectFaults().then(() => (chaos = false))]);
  await sleep((STALE_SECONDS + 2) * 1000); // stopped jobs continued, killed holders' locks stale

  // Drain: reap everywhere, then check until nothing is scheduled.
  const reapAll = async () => {
    expectOk('reap on main', await run('reap'));
    for (const node of nodeEntries) expectOk(`reap on ${node.name}`, await cliAsync(node.root, ['--config', node.config, 'reap']));
  };
  await waitForNodeBuilds(nodeEntries.map((n) => n.root));
  await reapAll();
  for (let i = 0; i < options.packages.length * 3; i++) {
    const result = await run('build', '--job', 'job1');
    if (result.status === 3) break;
    if (STACK_TRACE.test(result.stderr)) violations.push(`drain check printed a stack trace: ${result.stderr.trim().slice(0, 600)}`);
    if (result.status !== 0) {
      await waitForNodeBuilds(nodeEntries.map((n) => n.root));
      await sleep((STALE_SECONDS + 1) * 1000);
      await reapAll();
    }
  }
  await waitForNodeBuilds(nodeEntries.map((n) => n.root));
  await sleep((ABANDONED_SECONDS + 1) * 1000);
  await reapAll();

  // The promise.
  const main = census(s.layout);
  const failedIds = new Set<string>();
  for (const [key, places] of main.entries) {
    if (places.length !== 1 || places[0] !== 'failed') violations.push(`main: ${key} left in ${places.join(' and ')}`);
    else failedIds.add(key.split('/')[2]!.split('_')[0]!);
  }
  for (const pkg of failedIds) {
    const text = fs.readFileSync(path.join(s.layout.placeDir({ state: 'failed' }), 'bookworm', 'amd64', pkg, '1.0'), 'utf8');
    if (!/^Last-Failure: .+/m.test(text)) violations.push(`failed/${pkg} gives no reason`);
  }
  if (main.results.size || main.temps.length || main.locks.length)
    violations.push(`main keeps results ${[...main.results].join(' ')}, temps ${main.temps.join(' ')}, locks ${main.locks.join(' ')}`);
  const fetched = path.join(s.root, 'reproducible-results');
  if (fs.existsSync(fetched) && fs.readdirSync(fetched, { recursive: true }).some((n) => String(n).split('/').length >= 5))
    violations.push('main keeps fetched results directories');
  for (const node of nodeEntries) {
    const left = census(new Layout(node.root));
    if (left.entries.size || left.results.size || left.temps.length || left.locks.length) {
      violations.push(
        `${node.name} keeps entries ${JSON.stringify([...left.entries])}, results ${[...left.results].join(' ')}, temps ${left.temps.join(' ')}, locks ${left.locks.join(' ')}`,
      );
    }
    const builds = path.join(node.root, 'build');
    if (fs.existsSync(builds) && fs.readdirSync(builds).length) violations.push(`${node.name} keeps build directories ${fs.readdirSync(builds).join(' ')}`);
  }
  const store = new FileStore(path.join(s.root, 'reproducible.db'), { lockStaleMs: STALE_SECONDS * 1000, lockUpdateMs: 1000, waitMs: 30_000, pollMs: 10 });
  const history = await store.read((db) => db.all<{ name: string; journal_id: string }>('SELECT name, journal_id FROM result_history'));
  const builds = await store.read((db) =>
    db.all<{ journal_id: string; build_number: number; node: string }>('SELECT journal_id, build_number, node FROM builds'),
  );
  for (const pkg of options.packages) {
    const verdicts = history.filter((h) => h.name === pkg);
    if (failedIds.has(pkg) ? verdicts.length !== 0 : verdicts.length !== 1)
      violations.push(`${pkg}: ${verdicts.length} verdicts${failedIds.has(pkg) ? ' and a failed/ entry' : ''}`);
    for (const verdict of verdicts) {
      const rows = builds
        .filter((b) => b.journal_id === verdict.journal_id)
        .map((b) => `${b.build_number}@${b.node}`)
        .sort();
      if (rows.join(' ') !== '1@node1 2@node2') violations.push(`${pkg}: its verdict has builds ${rows.join(' ') || 'none'}`);
    }
  }
  const strays = spawnSync('pgrep', ['-af', path.basename(s.dir)], { encoding: 'utf8' }).stdout.trim();
  if (strays) violations.push(`stray processes: ${strays}`);
  return { faults, checks, verdicts: history.length, failed: failedIds.size, violations, seconds: (Date.now() - started) / 1000 };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if (errnoCode(error) !== 'ESRCH') throw error; // ESRCH: the job ended meanwhile
  }
}

/** Builds that outlived their dropped session finish by themselves (killing ssh does not stop them). */
async function waitForNodeBuilds(roots: readonly string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (roots.some((root) => spawnSync('pgrep', ['-f', `--root ${root} --json`]).status === 0) && Date.now() < deadline) await sleep(200);
}
