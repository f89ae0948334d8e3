/**
 * schedule --auto over a Debian-size catalogue with a year of history (the store-scale
 * seed: PACKAGES source packages × 4 suites × 2 architectures, HISTORY checks), on both
 * stores: the CLI's run (dry, then for real, writing its entries) against the category
 * queries alone, run in the same process right before (the floor: what the database must
 * answer). One package in 100 has a newer version in the catalogue, one in 10 is untested.
 * Usage: node --import tsx scripts/bench/schedule-auto.ts [HISTORY=1000000] [PACKAGES=35000]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigSchema } from '../../src/config/config.js';
import { resolveSettings } from '../../src/config/settings.js';
import { type CandidateRow, agedCandidates, newVersionCandidates, untestedCandidates } from '../../src/schedule/candidates.js';
import { AUTO_CATEGORIES, RETRIED_VERDICTS } from '../../src/schedule/categories.js';
import { allowance } from '../../src/schedule/policy.js';
import { seededOrder } from '../../src/schedule/seeded-order.js';
import { loadDatabase, saveDatabase } from '../../src/store/database.js';
import { type SqlSession, sqlJsSession } from '../../src/store/session.js';
import { openStore } from '../../src/store/store.js';
import { startPostgres } from '../../test/helpers/postgres.js';
import { seedPostgres, seedStatements } from './scale-seed.js';

const HISTORY = Number(process.argv[2] ?? 1_000_000);
const PACKAGES = Number(process.argv[3] ?? 35_000);
const SUITES = ['bookworm', 'trixie', 'forky', 'sid'];
const ARCHES = ['amd64', 'arm64'];
const project = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-schedule-auto-'));
const SETTINGS = { lockStaleMs: 60_000, lockUpdateMs: 15_000, waitMs: 600_000, pollMs: 5 };
const log = (line: string) => process.stderr.write(`${line}\n`);
const scheduler = resolveSettings(ConfigSchema.parse({})).scheduler;

/** New uploads and untested packages, as an archive has them between two runs. */
const SHAPE = [
  `UPDATE sources SET version = '1.0' WHERE CAST(substr(name, 4) AS INTEGER) % 100 <> 0`,
  `DELETE FROM results WHERE CAST(substr(name, 4) AS INTEGER) % 10 = 1`,
  `UPDATE sources SET dsc_sha256 = '${'a'.repeat(64)}'`,
];

/** The category queries alone, taking from each what a run on an empty queue with the default limits takes (no spool, no blacklist). */
async function queriesAlone(db: SqlSession): Promise<number> {
  const now = Date.now();
  let rows = 0;
  for (const arch of ARCHES) {
    let queued = 0;
    for (const suite of SUITES) {
      for (const category of AUTO_CATEGORIES) {
        const limit = allowance(category, scheduler.limits[category], queued, scheduler.queueMax.fallback);
        if (limit === 0) continue;
        let taken: CandidateRow[] = [];
        if (category === 'untested') taken = seededOrder(await untestedCandidates(db, suite, arch), (r) => r.name, 1).slice(0, limit);
        else if (category === 'new') taken = (await newVersionCandidates(db, suite, arch)).slice(0, limit);
        else {
          const verdict = category === 'old' ? undefined : RETRIED_VERDICTS[category];
          const ageMs = category === 'old' ? scheduler.retestAfterMs.fallback : scheduler.retryAfterMs[category];
          for await (const row of agedCandidates(db, suite, arch, { verdict, builtBefore: new Date(now - ageMs).toISOString() }, 1000)) {
            taken.push(row);
            if (taken.length >= limit) break;
          }
        }
        rows += taken.length;
        queued += taken.length;
      }
    }
  }
  return rows;
}

interface Timed {
  seconds: number;
  peakMb: number;
  scheduled: number;
  exit: number | null;
}

function site(database: string): string {
  const dir = fs.mkdtempSync(path.join(work, 'site-'));
  fs.mkdirSync(path.join(dir, 'root'));
  const config = path.join(dir, 'repro-spool.json');
  const jobs = ARCHES.map((arch) => ({ name: `j-${arch}`, arch, node1: `${arch}-a`, node2: `${arch}-b` }));
  const nodes = Object.fromEntries(ARCHES.flatMap((arch) => [`${arch}-a`, `${arch}-b`].map((n) => [n, { host: 'localhost', arch }])));
  fs.writeFileSync(config, JSON.stringify({ root: 'root', database, suites: SUITES, nodes, jobs }));
  execFileSync(process.execPath, [path.join(project, 'bin/repro-spool.js'), '--config', config, 'init'], { stdio: 'ignore' });
  return config;
}

function timedSchedule(config: string, dryRun: boolean): Timed {
  const args = [
    '-f',
    'TIME %e %M',
    process.execPath,
    path.join(project, 'bin/repro-spool.js'),
    '--config',
    config,
    '--json',
    'schedule',
    '--auto',
    '--seed',
    '1',
  ];
  const run = spawnSync('/usr/bin/time', dryRun ? [...args, '--dry-run'] : args, { encoding: 'utf8', timeout: 600_000, maxBuffer: 1 << 28 });
  const time = /TIME (\S+) (\d+)/.exec(run.stderr);
  const scheduled = run.status === 0 ? (JSON.parse(run.stdout) as { scheduled: unknown[] }).scheduled.length : 0;
  if (run.status !== 0) log(run.stderr.slice(0, 500));
  return { seconds: Number(time?.[1] ?? NaN), peakMb: Math.round(Number(time?.[2] ?? NaN) / 1024), scheduled, exit: run.status };
}

async function measure(name: string, database: string): Promise<Record<string, unknown>> {
  const store = await openStore(database, SETTINGS);
  const t = performance.now();
  const rows = await store.read(queriesAlone);
  const queriesMs = performance.now() - t;
  await store.close();
  const config = site(database);
  const dry = timedSchedule(config, true);
  const real = timedSchedule(config, false);
  log(
    `${name}: queries alone ${queriesMs.toFixed(0)} ms (${rows} rows); schedule --auto --dry-run ${dry.seconds} s, ${dry.peakMb} MB ` +
      `(${((dry.seconds * 1000) / queriesMs).toFixed(2)}×); for real ${real.seconds} s, ${real.peakMb} MB, ${real.scheduled} entries ` +
      `(${((real.seconds * 1000) / queriesMs).toFixed(2)}×)`,
  );
  return { queriesMs: Math.round(queriesMs), rows, dryRun: dry, real };
}

const report: Record<string, unknown> = { history: HISTORY, packages: PACKAGES };
const server = await startPostgres();
try {
  const url = await server.newDatabase();
  await seedPostgres(url, [...seedStatements('postgresql', HISTORY, PACKAGES), ...SHAPE]);
  report.postgresql = await measure('postgresql', url);
} finally {
  await server.stop();
}
const file = path.join(work, 'reproducible.db');
const db = await loadDatabase(file);
const session = sqlJsSession(db);
db.run('BEGIN');
for (const statement of [...seedStatements('sqlite', HISTORY, PACKAGES), ...SHAPE]) await session.run(statement);
db.run('COMMIT');
saveDatabase(db, file);
db.close();
report.file = { megabytes: Math.round(fs.statSync(file).size / 1024 / 1024), ...(await measure('embedded file', file)) };
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
fs.rmSync(work, { recursive: true, force: true });
