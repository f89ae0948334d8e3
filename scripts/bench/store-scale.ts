/**
 * A year of Debian-size history in each store, side by side in one run:
 *   - PostgreSQL (a server this script starts, as the tests do) at full size: the catalogue
 *     of PACKAGES source packages × 4 suites × 2 architectures, HISTORY checks in
 *     result_history (two builds each), spread over 365 days;
 *   - the embedded file (sql.js) at growing sizes, to find where one commit passes 1 s.
 * Measured: record latency p50/p95 with 14 concurrent writer processes (the seed's 14
 * jobs), the catalogue query of `schedule --new`, `dashboard` through the CLI (time and
 * peak memory, as /usr/bin/time reports it), and each writer's peak memory.
 * Usage: node --import tsx scripts/bench/store-scale.ts [HISTORY=5000000] [PACKAGES=35000] [SQLJS_SIZES=25000,100000,400000,1000000|none]
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileStore } from '../../src/store/file-store.js';
import { loadDatabase, saveDatabase } from '../../src/store/database.js';
import { untestedCandidates } from '../../src/schedule/candidates.js';
import { sqlJsSession } from '../../src/store/session.js';
import { openStore } from '../../src/store/store.js';
import { startPostgres } from '../../test/helpers/postgres.js';
import { seedPostgres, seedStatements } from './scale-seed.js';

const HISTORY = Number(process.argv[2] ?? 5_000_000);
const PACKAGES = Number(process.argv[3] ?? 35_000);
const SQLJS_SIZES = process.argv[4] === 'none' ? [] : (process.argv[4] ?? '25000,100000,400000,1000000').split(',').map(Number);
const WRITERS = 14;
const PER_WRITER = 20;
const here = path.dirname(fileURLToPath(import.meta.url));
const project = path.resolve(here, '../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-store-scale-'));
const SETTINGS = { lockStaleMs: 60_000, lockUpdateMs: 15_000, waitMs: 600_000, pollMs: 5 };
const log = (line: string) => process.stderr.write(`${line}\n`);

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

async function writers(
  location: string,
  count: number,
  perWriter: number,
): Promise<{ p50: number; p95: number; steadyP50: number; steadyP95: number; maxRssMb: number; perSecond: number }> {
  const started = performance.now();
  const runs = await Promise.all(
    Array.from(
      { length: count },
      (_, w) =>
        new Promise<{ latencies: number[]; maxRssMb: number }>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            ['--import', 'tsx', path.join(here, 'store-timed-writer.ts'), location, `w${w}-${Date.now()}`, String(perWriter)],
            { cwd: project },
          );
          let out = '';
          let err = '';
          child.stdout.on('data', (d) => (out += d));
          child.stderr.on('data', (d) => (err += d));
          child.on('close', (code) =>
            code === 0 ? resolve(JSON.parse(out) as { latencies: number[]; maxRssMb: number }) : reject(new Error(`writer exited ${code}: ${err}`)),
          );
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const all = runs.flatMap((r) => r.latencies);
  // A writer's first record also connects (and checks the schema): the steady state is every later one.
  const steady = runs.flatMap((r) => r.latencies.slice(1));
  return {
    p50: percentile(all, 0.5),
    p95: percentile(all, 0.95),
    steadyP50: percentile(steady, 0.5),
    steadyP95: percentile(steady, 0.95),
    maxRssMb: Math.max(...runs.map((r) => r.maxRssMb)),
    perSecond: all.length / seconds,
  };
}

interface TimedRun {
  seconds: number;
  peakMb: number;
  exit: number | null;
  failure?: string;
}

/** A spool root and configuration for the CLI on this database. */
function dashboardSite(database: string): string {
  const dir = fs.mkdtempSync(path.join(work, 'dash-'));
  fs.mkdirSync(path.join(dir, 'root'));
  const config = path.join(dir, 'repro-spool.json');
  fs.writeFileSync(config, JSON.stringify({ root: 'root', database }));
  execFileSync(process.execPath, [path.join(project, 'bin/repro-spool.js'), '--config', config, 'init'], { stdio: 'ignore' });
  return config;
}

/** The CLI's dashboard on that site: wall time and peak memory from GNU time (the `time` package), and how it ended. */
function timedDashboard(config: string): TimedRun {
  const cli = path.join(project, 'bin/repro-spool.js');
  const run = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', process.execPath, cli, '--config', config, 'dashboard'], {
    encoding: 'utf8',
    timeout: 1_800_000,
  });
  const time = /TIME (\S+) (\d+)/.exec(run.stderr);
  const failure = run.status === 0 ? undefined : (run.stderr.split('\n').find((l) => /heap|memory|error|repro-spool:/i.test(l)) ?? run.stderr.slice(0, 300));
  return { seconds: Number(time?.[1] ?? NaN), peakMb: Math.round(Number(time?.[2] ?? NaN) / 1024), exit: run.status, failure };
}

// PostgreSQL at full size.
const server = await startPostgres();
const report: Record<string, unknown> = { history: HISTORY, packages: PACKAGES, catalogue: PACKAGES * 8 };
try {
  const url = await server.newDatabase();
  let t = performance.now();
  await seedPostgres(url, seedStatements('postgresql', HISTORY, PACKAGES));
  log(`postgresql: seeded ${HISTORY} checks in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  const site = dashboardSite(url);
  const rec = await writers(url, WRITERS, PER_WRITER);
  log(
    `postgresql: 14 writers p50 ${rec.p50.toFixed(1)} ms p95 ${rec.p95.toFixed(1)} ms (after connecting: p95 ${rec.steadyP95.toFixed(1)} ms), ` +
      `${rec.perSecond.toFixed(1)} records/s, writer peak ${rec.maxRssMb.toFixed(0)} MB`,
  );
  const store = await openStore(url, SETTINGS);
  t = performance.now();
  const candidates = await store.read((db) => untestedCandidates(db, 'bookworm', 'amd64'));
  const scheduleMs = performance.now() - t;
  await store.close();
  log(`postgresql: schedule --new's catalogue query: ${scheduleMs.toFixed(0)} ms for ${candidates.length} candidates`);
  const cold = timedDashboard(site);
  log(`postgresql: dashboard, first run (every package page written) ${JSON.stringify(cold)}`);
  // The cron case: the previous run's pages present, and the writers' records since.
  const more = await writers(url, WRITERS, PER_WRITER);
  const warm = timedDashboard(site);
  log(`postgresql: dashboard after ${WRITERS * PER_WRITER} more records ${JSON.stringify(warm)} (those records: p95 ${more.p95.toFixed(1)} ms)`);
  report.postgresql = { record: rec, scheduleNewQueryMs: Math.round(scheduleMs), dashboard: { firstRun: cold, afterRecords: warm } };
} finally {
  await server.stop();
}

// The embedded file at growing sizes.
const ladder: unknown[] = [];
for (const size of SQLJS_SIZES) {
  const file = path.join(work, `reproducible-${size}.db`);
  let t = performance.now();
  try {
    const db = await loadDatabase(file);
    const session = sqlJsSession(db);
    db.run('BEGIN');
    for (const statement of seedStatements('sqlite', size, PACKAGES)) await session.run(statement);
    db.run('COMMIT');
    saveDatabase(db, file);
    db.close();
  } catch (error) {
    ladder.push({ history: size, failed: `seeding: ${(error as Error).message}` });
    log(`sql.js ${size}: seeding failed: ${(error as Error).message}`);
    break;
  }
  const mb = fs.statSync(file).size / 1024 / 1024;
  log(`sql.js ${size}: seeded in ${((performance.now() - t) / 1000).toFixed(0)} s, ${mb.toFixed(0)} MB`);
  const one = await writers(file, 1, 5);
  const many = await writers(file, WRITERS, 3);
  const store = new FileStore(file, SETTINGS);
  t = performance.now();
  const candidates = await store.read((db) => untestedCandidates(db, 'bookworm', 'amd64'));
  const scheduleMs = performance.now() - t;
  const site = dashboardSite(file);
  const cold = timedDashboard(site);
  await writers(file, 1, 5);
  const dashboard = { firstRun: cold, afterRecords: timedDashboard(site) };
  log(
    `sql.js ${size}: one writer p50 ${one.p50.toFixed(0)} ms; 14 writers p50 ${many.p50.toFixed(0)} p95 ${many.p95.toFixed(0)} ms, ${many.perSecond.toFixed(1)}/s; schedule query ${scheduleMs.toFixed(0)} ms (${candidates.length}); dashboard ${JSON.stringify(dashboard)}`,
  );
  ladder.push({ history: size, fileMb: Math.round(mb), commitMs: Math.round(one.p50), writers14: many, scheduleNewQueryMs: Math.round(scheduleMs), dashboard });
  fs.rmSync(file, { force: true });
}
report.sqljs = ladder;
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
fs.rmSync(work, { recursive: true, force: true });
