/**
 * Wall time of the local two-build check (spool, fetch over HTTP, verify, two builds with
 * their variations, compare, archive, record) against two bare `dpkg-source -x` +
 * `dpkg-buildpackage -b` runs of the same source, interleaved in the same run.
 * The source (cowsay by default) is copied once from the apt sources' mirror into a
 * mirror served on 127.0.0.1, so the fetch is counted but the network's mood is not.
 * A third variant runs the bare builds with the builder's exact variation command lines,
 * separating what the variations cost from what the spool's orchestration costs.
 * Aim: ratio ≤ 1.10. Usage: node --import tsx scripts/bench/local-check.ts [PKG] [ROUNDS]
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildCommand } from '../../src/builder/build-command.js';
import { localCheck } from '../../src/builder/local-check.js';
import { buildProfile } from '../../src/builder/variations.js';
import { mirrorFromApt, readAptSources } from '../../src/debian/apt-sources.js';
import { parseDsc } from '../../src/debian/dsc.js';
import { parseSourcesIndex, readIndexText } from '../../src/debian/sources-index.js';
import { download } from '../../src/fetch/download.js';
import { SCHEDULED } from '../../src/spool/layout.js';
import { openSpool } from '../../src/spool/spool.js';
import { enqueue } from '../../src/spool/transitions/enqueue.js';
import { Store } from '../../src/store/store.js';
import { compare, report } from './measure.js';

const PKG = process.argv[2] ?? 'cowsay';
const ROUNDS = Number(process.argv[3] ?? 3);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-build-'));
const options = { idleTimeoutMs: 30_000, retries: 2, backoffMs: 1000, maxBytes: 1 << 30 };

const upstream = mirrorFromApt(readAptSources(), 'bookworm');
if (!upstream) throw new Error('no mirror in the apt sources: this benchmark copies a real package from it');
const indexFile = path.join(work, 'Sources.xz');
if ((await download(`${upstream}/dists/bookworm/main/source/Sources.xz`, indexFile, options)).status !== 'ok') throw new Error('cannot fetch the Sources index');
const record = parseSourcesIndex(readIndexText(fs.readFileSync(indexFile))).find((r) => r.name === PKG);
if (!record) throw new Error(`${PKG} is not in bookworm`);
const pool = path.join(work, 'mirror', record.directory);
fs.mkdirSync(pool, { recursive: true });
await download(`${upstream}/${record.directory}/${record.dscName}`, path.join(pool, record.dscName), options);
for (const file of parseDsc(fs.readFileSync(path.join(pool, record.dscName), 'utf8')).files) {
  await download(`${upstream}/${record.directory}/${file.name}`, path.join(pool, file.name), options);
}
const mirrorRoot = path.join(work, 'mirror');
const server = http.createServer((req, res) => {
  const file = path.join(mirrorRoot, decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname));
  if (!file.startsWith(mirrorRoot) || !fs.existsSync(file)) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-length': fs.statSync(file).size });
  fs.createReadStream(file).pipe(res);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const dscSha256 = crypto.createHash('sha256').update(fs.readFileSync(path.join(pool, record.dscName))).digest('hex');
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
          const { command, args } = buildCommand(profile);
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
        const store = new Store(path.join(root, 'reproducible.db'), { lockStaleMs: 60_000, lockUpdateMs: 15_000, waitMs: 60_000, pollMs: 10 });
        const verdict = await localCheck(spool, {
          mirror,
          download: { ...options, dscMaxBytes: 1 << 20 },
          buildTimeoutMs: 3600_000,
          killGraceMs: 5000,
          store,
          diffoscope: { timeoutMs: 600_000, maxReportBytes: 40 << 20, killGraceMs: 5000 },
        }, { pkg: record.name });
        process.stderr.write(`    verdict: ${verdict?.verdict}, builds ${verdict?.builds.map((b) => b.durationSeconds.toFixed(2)).join(" s, ")} s\n`);
        return 2;
      },
      cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
    },
  ],
  ROUNDS,
);
report(`${PKG} ${record.version}: local two-build check vs two bare builds, median of ${ROUNDS} interleaved rounds (ops = builds)`, results);
server.close();
fs.rmSync(work, { recursive: true, force: true });
