/**
 * Recording results into a reproducible.db that already holds 300,000 results, with 4
 * concurrent writer processes: per-result latency p50/p95 and sustained results/s for
 *   - group commit (our Store: journal files merged by whoever holds the lock),
 *   - naive: lock → load → upsert → export → atomic write, per result,
 *   - better-sqlite3@12 in WAL mode, as a reference (installed on demand outside the project).
 * Aim for group commit: ≥ 20 results/s sustained, p95 ≤ 500 ms.
 * Usage: node --import tsx scripts/bench/db-results.ts [PER_WRITER] [ROUNDS]
 */
import { execSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDatabase, saveDatabase } from '../../src/store/database.js';
import { median } from './measure.js';

const PER_WRITER = Number(process.argv[2] ?? 25);
const ROUNDS = Number(process.argv[3] ?? 2);
const WRITERS = 4;
const here = path.dirname(fileURLToPath(import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-db-'));
const seeded = path.join(dir, 'seeded.db');

/** better-sqlite3 is a benchmark-only reference: installed into a cache outside the project. */
function betterSqlite3Dir(): string | undefined {
  const cache = path.join(os.tmpdir(), 'repro-spool-bench-better-sqlite3');
  const works = () => {
    try {
      createRequire(`${cache}/`)('better-sqlite3');
      return true;
    } catch {
      return false; // not installed (yet), or built for another Node: (re)install below
    }
  };
  if (works()) return cache;
  process.stderr.write('installing better-sqlite3@12 for the reference (compiles from source, a few minutes)…\n');
  fs.mkdirSync(cache, { recursive: true });
  fs.writeFileSync(path.join(cache, 'package.json'), '{"name":"bench-reference","private":true}');
  try {
    execSync('npm install --no-audit --no-fund better-sqlite3@12', { cwd: cache, stdio: 'ignore' });
    if (!works()) execSync('npm install-scripts approve better-sqlite3 && npm rebuild better-sqlite3', { cwd: cache, stdio: 'ignore' });
  } catch (error) {
    process.stderr.write(`better-sqlite3 reference unavailable: ${(error as Error).message}\n`);
  }
  return works() ? cache : undefined;
}

async function seed(): Promise<void> {
  const db = await loadDatabase(seeded);
  db.run('BEGIN');
  const result = db.prepare('INSERT INTO results (name, version, suite, architecture, verdict, node1, node2, build_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const build = db.prepare('INSERT INTO builds VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const at = new Date().toISOString();
  for (let i = 0; i < 300_000; i++) {
    result.run([`seed${i}`, '1.0-1', ['bookworm', 'trixie', 'unstable'][i % 3]!, 'amd64', i % 5 ? 'reproducible' : 'unreproducible', 'node1', 'node2', at]);
    if (i % 3 === 0) build.run([`j${i}`, 1, `seed${i}`, '1.0-1', 'bookworm', 'amd64', 'node1', 'job', at, 100, 0, 'built']);
  }
  result.free();
  build.free();
  db.run('COMMIT');
  saveDatabase(db, seeded);
  db.close();
}

function writer(mode: string, file: string, prefix: string, go: number, bsq: string | undefined): Promise<{ latencies: number[]; end: number }> {
  return new Promise((resolve, reject) => {
    const args = ['--import', 'tsx', path.join(here, 'db-writer.ts'), mode, file, prefix, String(PER_WRITER), String(go), ...(bsq ? [bsq] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out) as { latencies: number[]; end: number }) : reject(new Error(`${mode} writer exited ${code}`)),
    );
  });
}

async function runMode(mode: string, bsq: string | undefined) {
  const file = path.join(dir, `${mode}.db`);
  fs.copyFileSync(seeded, file);
  const go = Date.now() + 3000; // every writer has started and loaded its modules by then
  const runs = await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(mode, file, `${mode}${w}`, go, bsq)));
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const seconds = (Math.max(...runs.map((r) => r.end)) - go) / 1000;
  const db = await loadDatabase(file);
  const rows = Number(db.exec("SELECT count(*) FROM results WHERE name NOT LIKE 'seed%'")[0]!.values[0]![0]);
  db.close();
  if (rows !== WRITERS * PER_WRITER) throw new Error(`${mode}: ${rows} of ${WRITERS * PER_WRITER} results arrived`);
  for (const f of fs.readdirSync(dir)) if (f.startsWith(`${mode}.db`)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
  return { p50: median(latencies), p95: latencies[Math.floor(latencies.length * 0.95)]!, perSecond: latencies.length / seconds };
}

const bsq = betterSqlite3Dir();
await seed();
process.stderr.write(`seeded ${seeded}: ${(fs.statSync(seeded).size / 1e6).toFixed(1)} MB, 300,000 results\n`);
const modes = ['naive', 'group', ...(bsq ? ['better-sqlite3'] : [])];
const samples = new Map<string, Array<{ p50: number; p95: number; perSecond: number }>>(modes.map((m) => [m, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of modes) {
    const r = await runMode(mode, bsq);
    samples.get(mode)!.push(r);
    process.stderr.write(
      `  round ${round + 1}/${ROUNDS} ${mode}: p50 ${r.p50.toFixed(0)} ms, p95 ${r.p95.toFixed(0)} ms, ${r.perSecond.toFixed(1)} results/s\n`,
    );
  }
}
const naiveRate = median(samples.get('naive')!.map((s) => s.perSecond));
console.log(`\nrecording results into a 300,000-result reproducible.db, ${WRITERS} writers × ${PER_WRITER}, median of ${ROUNDS} rounds`);
for (const mode of modes) {
  const s = samples.get(mode)!;
  const rate = median(s.map((x) => x.perSecond));
  console.log(
    `  ${mode.padEnd(16)} p50 ${median(s.map((x) => x.p50))
      .toFixed(0)
      .padStart(6)} ms  p95 ${median(s.map((x) => x.p95))
      .toFixed(0)
      .padStart(6)} ms  ${rate.toFixed(1).padStart(7)} results/s  ${(rate / naiveRate).toFixed(2)}× naive's rate`,
  );
}
fs.rmSync(dir, { recursive: true, force: true });
