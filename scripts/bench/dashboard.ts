/**
 * Dashboard generation over a big reproducible.db: 100,000 verdicts (3 suites of ~33,000
 * packages each, spread over 120 days), one row per single build (200,000) and node
 * information for 4 nodes, against merely reading what it counts (database load, the
 * counting SELECTs, the spool walk) in the same run. Two generations: cold (an empty
 * output directory: every package page written) and the cron case (the previous run's
 * pages present, 1,000 new verdicts since). Aim: under 2 s on this machine.
 * Usage: node --import tsx scripts/bench/dashboard.ts [RESULTS] [ROUNDS]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigSchema } from '../../src/config/config.js';
import { readSpools } from '../../src/dashboard/data.js';
import { generateDashboard } from '../../src/dashboard/generate.js';
import { loadDatabase, saveDatabase } from '../../src/store/database.js';
import type { StoreRecord } from '../../src/store/records.js';
import { CHANGES_FROM_HISTORY, verdictDays } from '../../src/store/verdict-days.js';
import { checksPerPackage, latestVerdictCounts } from '../../src/store/overview.js';
import { openSpool } from '../../src/spool/spool.js';
import { FileStore } from '../../src/store/file-store.js';
import { compare, report } from './measure.js';
import { DEFAULT_SETTINGS } from '../../src/config/settings.js';

const RESULTS = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-dashboard-'));
const root = path.join(work, 'root');
fs.mkdirSync(root);
const dbFile = path.join(root, 'reproducible.db');
const VERDICTS = ['reproducible', 'reproducible', 'reproducible', 'reproducible', 'unreproducible', 'FTBFS', 'depwait', 'timeout'];
const SUITES = ['bookworm', 'trixie', 'unstable'];
const NODES = ['node1', 'node2', 'node3', 'node4'];

const db = await loadDatabase(dbFile);
db.run('BEGIN');
const result = db.prepare(
  'INSERT INTO result_history (journal_id, name, version, suite, architecture, verdict, node1, node2, build_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
);
const latest = db.prepare(
  'INSERT OR REPLACE INTO results (name, version, suite, architecture, verdict, node1, node2, build_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
);
const build = db.prepare(
  'INSERT INTO builds (journal_id, build_number, name, version, suite, architecture, node, job, started_at, duration_seconds, exit_code, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
);
const start = Date.parse('2026-07-28T00:00:00Z');
for (let i = 0; i < RESULTS; i++) {
  const name = `pkg${String(Math.floor(i / SUITES.length)).padStart(6, '0')}`;
  const suite = SUITES[i % SUITES.length]!;
  const date = new Date(start + Math.floor((i / RESULTS) * 120 * 86400_000)).toISOString();
  const verdict = VERDICTS[(i * 7) % VERDICTS.length]!;
  const [node1, node2] = [NODES[i % 4]!, NODES[(i + 1) % 4]!];
  const journal = `j-${i}`;
  result.run([journal, name, '1.0-1', suite, 'amd64', verdict, node1, node2, date]);
  latest.run([name, '1.0-1', suite, 'amd64', verdict, node1, node2, date]);
  for (const n of [1, 2]) build.run([journal, n, name, '1.0-1', suite, 'amd64', n === 1 ? node1 : node2, 'job1', date, 30 + ((i * 13) % 600) / 10, 0, 'built']);
}
for (const node of NODES) {
  for (const [key, value] of Object.entries({
    ARCH: 'amd64',
    NUM_CPU: node === 'node1' ? '16' : '8',
    KERNEL: 'Linux 6.1.0-28-amd64',
    TZ: 'UTC',
    DATETIME: '2026-11-25T03:00:00Z',
  })) {
    db.run('INSERT INTO node_info VALUES (?, ?, ?, ?)', [node, key, value, '2026-11-25T03:00:01Z']);
  }
}
db.run(`INSERT INTO verdict_changes (day, suite, architecture, verdict, change) ${CHANGES_FROM_HISTORY}`); // as the migration fills it
db.run('COMMIT');
saveDatabase(db, dbFile);
db.close();
process.stderr.write(`seeded ${RESULTS} results, ${RESULTS * 2} builds: ${(fs.statSync(dbFile).size / 1e6).toFixed(1)} MB\n`);

const spool = openSpool(root);
const config = ConfigSchema.parse({ jobs: [], nodes: {} });
const store = new FileStore(dbFile, { lockStaleMs: 10_000, lockUpdateMs: 2_000, waitMs: 10_000, pollMs: 5 });
let round = 0;
let added = 0;
/** Untimed: new verdicts for existing packages, as a quarter hour of a busy farm brings, recorded as jobs record them. */
async function addVerdicts(count: number): Promise<void> {
  const records: StoreRecord[] = [];
  for (let i = 0; i < count; i++, added++) {
    records.push({
      kind: 'result',
      key: `new-${added}`,
      source: {
        name: `pkg${String((added * 37) % Math.floor(RESULTS / SUITES.length)).padStart(6, '0')}`,
        version: '1.0-2',
        suite: 'trixie',
        architecture: 'amd64',
      },
      verdict: 'reproducible',
      buildDate: new Date(start + 121 * 86400_000 + added * 1000).toISOString(),
      builds: [],
    });
  }
  await store.record(records);
}
const NO_MIRROR = { mirrorOf: () => undefined, health: DEFAULT_SETTINGS.health, varied: DEFAULT_SETTINGS.build.varied };
const warmOut = path.join(work, 'warm');
await generateDashboard(spool, config, store, warmOut, NO_MIRROR);
const results = await compare(
  [
    {
      name: 'read the counts alone (db load + the counting SELECTs + spool walk)',
      prepare: () => {},
      run: async () => {
        const checks = await store.read(async (db) => {
          await latestVerdictCounts(db);
          await verdictDays(db);
          return [...(await checksPerPackage(db)).values()].reduce((sum, p) => sum + p.checks, 0);
        });
        readSpools(spool, config, DEFAULT_SETTINGS.health, { nodeInfo: new Map(), buildNodes: NODES });
        return checks;
      },
    },
    {
      name: 'bare write of as many 2 KB files (the disk alone)',
      prepare: () => fs.rmSync(path.join(work, 'bare'), { recursive: true, force: true }),
      run: () => {
        const dir = path.join(work, 'bare');
        fs.mkdirSync(dir, { recursive: true });
        const pages = Math.ceil(RESULTS / SUITES.length);
        for (let i = 0; i < pages; i++) fs.writeFileSync(path.join(dir, `${i}.html`), 'x'.repeat(2048));
        return pages;
      },
    },
    {
      name: 'dashboard, cold (every page written)',
      prepare: () => fs.rmSync(path.join(work, 'cold'), { recursive: true, force: true }),
      run: async () => (await generateDashboard(spool, config, store, path.join(work, 'cold', String(round++)), NO_MIRROR)).results,
    },
    {
      name: 'dashboard, cron (1,000 new verdicts)',
      prepare: () => addVerdicts(1000),
      run: async () => (await generateDashboard(spool, config, store, warmOut, NO_MIRROR)).results,
    },
  ],
  ROUNDS,
);
report(`dashboard over ${RESULTS} results`, results);
fs.rmSync(work, { recursive: true, force: true });
