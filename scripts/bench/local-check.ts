/**
 * Wall time of the local two-build check with the development-only host builder (spool, fetch over HTTP, verify, two builds with
 * their variations, compare, archive, record) against two bare `dpkg-source -x` +
 * `dpkg-buildpackage -b` runs of the same source, interleaved in the same run.
 * The source (cowsay by default) is copied once from the apt sources' mirror into a
 * mirror served on 127.0.0.1, so the fetch is counted but the network's mood is not.
 * A third variant runs the bare builds with the builder's exact variation command lines,
 * separating what the variations cost from what the spool's orchestration costs.
 * Aim: ratio ≤ 1.10. Usage: node --import tsx scripts/bench/local-check.ts [PKG] [ROUNDS]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCommand } from '../../src/builder/build-command.js';
import { localCheck } from '../../src/builder/local-check.js';
import { ALL_VARIED, buildProfile } from '../../src/builder/variations.js';
import { SCHEDULED } from '../../src/spool/layout.js';
import { openSpool } from '../../src/spool/spool.js';
import { enqueue } from '../../src/spool/transitions/enqueue.js';
import { FileStore } from '../../src/store/file-store.js';
import { compare, report } from './measure.js';
import { DOWNLOAD as options, realPackage } from './real-package.js';

const PKG = process.argv[2] ?? 'cowsay';
const ROUNDS = Number(process.argv[3] ?? 3);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-build-'));
const { record, pool, dscSha256, mirror, close } = await realPackage(PKG, work);
const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();

let root = '';

/**
 * Untimed: clears a variant's old tree and flushes dirty pages, so that each variant
 * pays for its own writes (the check fsyncs ~30 times and would otherwise wait behind
 * the writeback of the variant before it).
 */
function settle(dir?: string): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  execFileSync('sync');
}
const results = await compare(
  [
    {
      name: 'two bare dpkg-buildpackage runs',
      prepare: () => settle(path.join(work, 'bare')),
      run: () => {
        for (const n of [1, 2]) {
          const dir = path.join(work, 'bare', String(n));
          fs.mkdirSync(dir, { recursive: true });
          execFileSync('dpkg-source', ['--no-check', '-x', path.join(pool, record.dscName), path.join(dir, 'src')], { stdio: 'ignore' });
          execFileSync('dpkg-buildpackage', ['-b', '-us', '-uc'], { cwd: path.join(dir, 'src'), stdio: 'ignore' });
        }
        return 2;
      },
    },
    {
      name: 'two bare builds with the variations',
      prepare: () => settle(path.join(work, 'varied')),
      run: () => {
        for (const n of [1, 2] as const) {
          const profile = buildProfile(n, arch);
          const dir = path.join(work, 'varied', String(n));
          fs.mkdirSync(dir, { recursive: true });
          execFileSync('dpkg-source', ['--no-check', '-x', path.join(pool, record.dscName), path.join(dir, 'src')], { stdio: 'ignore' });
          const { command, args } = buildCommand(profile, profile.faketime);
          execFileSync(command, args, { cwd: path.join(dir, 'src'), env: { ...profile.env }, stdio: 'ignore' });
        }
        return 2;
      },
    },
    {
      name: 'repro-spool local two-build check',
      prepare: async () => {
        settle();
        root = fs.mkdtempSync(path.join(work, 'spool-'));
        const id = { suite: 'bookworm', arch, pkg: record.name, version: record.version };
        await enqueue(openSpool(root), SCHEDULED, { id, dscSha256, extra: [['Dsc-Url', `${record.directory}/${record.dscName}`]] });
      },
      run: async () => {
        const spool = openSpool(root);
        const store = new FileStore(path.join(root, 'reproducible.db'), { lockStaleMs: 60_000, lockUpdateMs: 15_000, waitMs: 60_000, pollMs: 10 });
        const verdict = await localCheck(
          spool,
          {
            builder: 'host',
            chroots: { dir: path.join(work, 'no-chroots'), extraRepositories: [], unpackDir: os.tmpdir(), aptUpdateMaxAgeMs: 0, quickSetup: false },
            clock: 'faketime',
            mirror,
            download: { ...options, dscMaxBytes: 1 << 20 },
            buildTimeoutMs: 3600_000,
            killGraceMs: 5000,
            store,
            diffoscope: { timeoutMs: 600_000, maxReportBytes: 40 << 20, killGraceMs: 5000 },
            varied: ALL_VARIED,
            explainMaxBuilds: 24,
          },
          { pkg: record.name },
        );
        process.stderr.write(`    verdict: ${verdict?.verdict}, builds ${verdict?.builds.map((b) => b.durationSeconds.toFixed(2)).join(' s, ')} s\n`);
        return 2;
      },
      cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
    },
  ],
  ROUNDS,
);
report(`${PKG} ${record.version}: local two-build check vs two bare builds, median of ${ROUNDS} interleaved rounds (ops = builds)`, results);
close();
fs.rmSync(work, { recursive: true, force: true });
