/**
 * The full local check of a real package in the chroot (`repro-spool build PKG`: spool,
 * fetch over HTTP, verify, two sbuild runs with every variation, compare, diffoscope,
 * archive, record) against two bare `sbuild --chroot-mode=unshare` runs of the same .dsc
 * on the same chroot tarball, unpacked on the same tmpfs, interleaved in the same run.
 * Also reports each build's setup (chroot copy + apt update + build dependencies: from
 * sbuild's start to its "Build" stage) with the node's apt cache cold (round 1, emptied
 * first) and warm (later rounds).
 * Aim: ratio ≤ 1.10. Usage: node --import tsx scripts/bench/sbuild-check.ts [PKG] [ROUNDS]
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SCHEDULED } from '../../src/spool/layout.js';
import { openSpool } from '../../src/spool/spool.js';
import { enqueue } from '../../src/spool/transitions/enqueue.js';
import { testChroot } from '../../test/helpers/chroot.js';
import { CLI } from '../../test/helpers/spool.js';
import { compare, median, report } from './measure.js';
import { realPackage } from './real-package.js';

const PKG = process.argv[2] ?? 'hello';
const ROUNDS = Number(process.argv[3] ?? 3);
const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-sbuild-'));
fs.chmodSync(work, 0o755); // the builds' namespaces must reach the spool below it
const pkg = await realPackage(PKG, work);
const chroots = path.join(work, 'chroots');
fs.mkdirSync(chroots);
const tarball = path.join(chroots, `bookworm_${arch}.tar`);
fs.copyFileSync(path.join(await testChroot(arch), `bookworm_${arch}.tar`), tarball);
const config = path.join(work, 'repro-spool.json');
fs.writeFileSync(config, JSON.stringify({ mirror: pkg.mirror, suites: ['bookworm'], chroots: { dir: chroots, unpackDir: '/dev/shm' } }));
const bareConfig = path.join(work, 'bare.sbuild.conf');
fs.writeFileSync(bareConfig, "$unshare_tmpdir_template = '/dev/shm/bench-bare.XXXXXXXXXX';\n1;\n");

/** Runs a command, timestamping each stderr line (for the setup times). */
function timed(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Array<[number, string]>> {
  return new Promise((resolve, reject) => {
    const lines: Array<[number, string]> = [];
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'ignore', 'pipe'] });
    let partial = '';
    child.stderr.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop()!;
      for (const line of parts) lines.push([performance.now(), line]);
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(lines)
        : reject(
            new Error(
              `${command} exited ${code}: ${lines
                .slice(-5)
                .map((l) => l[1])
                .join('\n')}`,
            ),
          ),
    );
  });
}

const setups: Array<{ cold: boolean; seconds: number }> = [];
let round = 0;
let root = '';
const results = await compare(
  [
    {
      name: 'two bare sbuild runs',
      prepare: () => void fs.mkdirSync(path.join(work, 'bare'), { recursive: true }),
      run: async () => {
        for (const n of [1, 2]) {
          const out = path.join(work, 'bare', String(n));
          fs.mkdirSync(out);
          execFileSync(
            'sbuild',
            [
              '--chroot-mode=unshare',
              `--chroot=${tarball}`,
              '--dist=bookworm',
              `--arch=${arch}`,
              '--nolog',
              '--no-run-lintian',
              '--no-run-autopkgtest',
              '--no-run-piuparts',
              pkg.dscFile,
            ],
            {
              cwd: out,
              env: { PATH: process.env.PATH, HOME: work, SBUILD_CONFIG: bareConfig, LANG: 'C.UTF-8' },
              stdio: 'ignore',
            },
          );
        }
        return 2;
      },
      cleanup: () => fs.rmSync(path.join(work, 'bare'), { recursive: true, force: true }),
    },
    {
      name: 'repro-spool local check in the chroot',
      prepare: async () => {
        round++;
        if (round === 1) fs.rmSync(path.join(chroots, 'apt-cache'), { recursive: true, force: true });
        root = path.join(work, `spool-${round}`);
        fs.mkdirSync(root, { mode: 0o755 });
        const id = { suite: 'bookworm', arch, pkg: pkg.record.name, version: pkg.record.version };
        await enqueue(openSpool(root), SCHEDULED, { id, dscSha256: pkg.dscSha256, extra: [['Dsc-Url', `${pkg.record.directory}/${pkg.record.dscName}`]] });
      },
      run: async () => {
        const lines = await timed(process.execPath, [CLI, '--root', root, '--config', config, 'build', PKG, '--arch', arch], { cwd: work, env: process.env });
        for (const n of [1, 2]) {
          const start = lines.find(([, l]) => l.startsWith(`build ${n} of `) && l.includes('sbuild in a fresh copy'))?.[0];
          const built = lines.find(([, l]) => l.startsWith(`build ${n} of `) && l.endsWith(': build'))?.[0];
          if (start !== undefined && built !== undefined) setups.push({ cold: round === 1 && n === 1, seconds: (built - start) / 1000 });
        }
        process.stderr.write(
          `    ${lines
            .filter(([, l]) => /: (reproducible|unreproducible|FTBFS|depwait)/.test(l) || l.includes(' on local'))
            .map(([, l]) => l)
            .join('\n    ')}\n`,
        );
        return 2;
      },
      cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
    },
  ],
  ROUNDS,
);
report(`${PKG} ${pkg.record.version}: local check in the chroot vs two bare sbuild runs, median of ${ROUNDS} interleaved rounds (ops = builds)`, results);
const warm = setups.filter((s) => !s.cold).map((s) => s.seconds);
const cold = setups.filter((s) => s.cold).map((s) => s.seconds);
console.log(
  `  per-build setup (chroot copy + apt update + build dependencies): cold apt cache ${cold.map((s) => s.toFixed(1)).join(', ')} s; warm median ${median(warm).toFixed(1)} s (${warm.map((s) => s.toFixed(1)).join(', ')})`,
);
pkg.close();
fs.rmSync(work, { recursive: true, force: true });
