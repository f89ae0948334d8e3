/**
 * Checks per hour on one node pair: one job (node1 → node2) against two jobs sharing the
 * pair, as the rendered jobs do (job1 node1 → node2, job2 node2 → node1), each running
 * `build --job NAME --for …` as the rendered Jenkins job does (one process checking until the queue is empty). Real small packages from the apt sources'
 * mirror, built with sbuild in the base chroot on two nodes reached over real sshd on
 * 127.0.0.1 (the same tarball, unpacked on /dev/shm). Each run schedules the same
 * packages into a fresh main spool with fresh node roots; the apt cache is warmed by an
 * untimed first check of each package. Every package must get the same verdict in both
 * runs. Usage: node --import tsx scripts/bench/parallel-jobs.ts [PKG...]
 * (run `npm run build` first if dist/ is stale: the nodes and main run bin/repro-spool.js)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mirrorFromApt, readAptSources } from '../../src/debian/apt-sources.js';
import { initSpoolRoot } from '../../src/spool/root.js';
import { testChroot } from '../../test/helpers/chroot.js';
import { pinNodeKeys } from '../../test/helpers/pin.js';
import { cliAsync, loopOutput } from '../../test/helpers/spool.js';
import { type TestSshd, startSshd } from '../../test/helpers/sshd.js';

const DEFAULT = ['cowsay', 'figlet', 'ed', 'bc', 'dos2unix', 'tree', 'pv', 'wdiff', 'pwgen', 'dtach'];
const PACKAGES = process.argv.length > 2 ? process.argv.slice(2) : DEFAULT;
const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
const mirror = mirrorFromApt(readAptSources(), 'bookworm');
if (!mirror) throw new Error('no mirror in the apt sources: this benchmark builds real packages from it');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-parallel-'));
fs.chmodSync(work, 0o755);
const chroots = path.join(work, 'chroots');
fs.mkdirSync(chroots);
fs.copyFileSync(path.join(await testChroot(arch), `bookworm_${arch}.tar`), path.join(chroots, `bookworm_${arch}.tar`));
const sshds: TestSshd[] = [await startSshd(), await startSshd()];

interface Run {
  readonly root: string;
  readonly config: string;
}
let runs = 0;

async function freshMain(jobs: ReadonlyArray<readonly [string, string]>): Promise<Run> {
  const dir = path.join(work, `main${++runs}`);
  const root = path.join(dir, 'root');
  initSpoolRoot(root, new Date());
  const nodes = Object.fromEntries(
    sshds.map((sshd, i) => {
      const nodeRoot = path.join(sshd.dir, `bench-${runs}`);
      const nodeConfig = path.join(sshd.dir, `bench-${runs}.json`);
      fs.writeFileSync(nodeConfig, JSON.stringify({ node: `node${i + 1}`, mirror, chroots: { dir: chroots, unpackDir: '/dev/shm' } }));
      return [`node${i + 1}`, { ...sshd.node, root: nodeRoot, arch, command: [process.execPath, path.resolve('bin/repro-spool.js'), '--config', nodeConfig] }];
    }),
  );
  const config = path.join(dir, 'repro-spool.json');
  const jobList = jobs.map(([node1, node2], i) => ({ name: `job${i + 1}`, arch, node1, node2 }));
  fs.writeFileSync(config, JSON.stringify({ root, mirror, suites: ['bookworm'], compareWithArchive: false, nodes, jobs: jobList }));
  pinNodeKeys(root, nodes);
  const run = { root, config };
  await cli(run, 'sources', 'import', '--suite', 'bookworm', '--arch', arch);
  await cli(run, 'schedule', ...PACKAGES, '--suite', 'bookworm', '--arch', arch);
  return run;
}

async function cli(run: Run, ...args: string[]): Promise<string> {
  const result = await cliAsync(run.root, ['--config', run.config, ...args]);
  if (result.status !== 0) throw new Error(`repro-spool ${args.join(' ')} exited ${result.status}: ${result.stderr.slice(-2000)}`);
  return result.stdout;
}

/** One job's run, as the rendered Jenkins job makes it: `build --job NAME --for …` until the queue is empty; the verdict of each package it checked. */
async function drain(run: Run, job: string, verdicts: Map<string, string>): Promise<void> {
  const result = await cliAsync(run.root, ['--config', run.config, '--json', 'build', '--job', job, '--for', '86400']);
  if (result.status === 3) return;
  if (result.status !== 0) throw new Error(`${job} exited ${result.status}: ${result.stderr.slice(-2000)}`);
  for (const verdict of loopOutput(result.stdout).verdicts) {
    verdicts.set(verdict.id.pkg, verdict.verdict);
    process.stderr.write(`    ${job}: ${verdict.id.pkg} ${verdict.verdict}\n`);
  }
}

async function timed(label: string, jobs: ReadonlyArray<readonly [string, string]>): Promise<{ seconds: number; verdicts: Map<string, string> }> {
  const run = await freshMain(jobs);
  const verdicts = new Map<string, string>();
  const start = performance.now();
  await Promise.all(jobs.map((_, i) => drain(run, `job${i + 1}`, verdicts)));
  const seconds = (performance.now() - start) / 1000;
  console.log(`  ${label}: ${verdicts.size} checks in ${seconds.toFixed(0)} s, ${((verdicts.size / seconds) * 3600).toFixed(1)} checks per hour`);
  return { seconds, verdicts };
}

try {
  console.log(`checks per hour on one node pair, ${PACKAGES.length} real packages (${PACKAGES.join(', ')}), sbuild on two nodes over ssh`);
  await timed('warm-up (untimed: fills the apt cache), one job', [['node1', 'node2']]);
  const one = await timed('one job (node1 → node2)', [['node1', 'node2']]);
  const two = await timed('two jobs sharing the pair (node1 → node2, node2 → node1)', [
    ['node1', 'node2'],
    ['node2', 'node1'],
  ]);
  const differing = PACKAGES.filter((p) => one.verdicts.get(p) !== two.verdicts.get(p));
  console.log(`  two jobs / one job, checks per hour: ${(one.seconds / two.seconds).toFixed(2)}×`);
  console.log(`  verdicts: ${PACKAGES.map((p) => `${p} ${one.verdicts.get(p)}`).join(', ')}`);
  console.log(
    `  same verdicts with two jobs: ${differing.length === 0 ? 'yes' : `NO: ${differing.map((p) => `${p} ${one.verdicts.get(p)} vs ${two.verdicts.get(p)}`).join(', ')}`}`,
  );
} finally {
  for (const sshd of sshds) sshd.kill();
  fs.rmSync(work, { recursive: true, force: true });
}
