/**
 * export json at Debian's size: 280,000 results (35,000 source packages × 4 suites × 2
 * architectures) in the embedded reproducible.db. Each variant runs in a fresh process,
 * so its peak memory (maxRSS) is its own, in interleaved rounds, against in the same run:
 *   - the floor of memory: loading the database and counting the rows (sql.js holds the
 *     file in memory; nothing an export does can be below it);
 *   - the naive export: every row in one query, both whole lists stringified, written, and
 *     `bzip2 -9` of each (the same bytes out, without paging or streaming).
 * Usage: node --import tsx scripts/bench/export.ts [PACKAGES=35000] [ROUNDS=3]
 *        (a child: … export.ts --variant NAME DB OUT)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDatabase, saveDatabase } from '../../src/store/database.js';
import { FileStore } from '../../src/store/file-store.js';
import { exportJson, publishedDate } from '../../src/publish/export.js';
import { pythonJson } from '../../src/publish/python-json.js';
import { PUBLISHED_STATUS } from '../../src/publish/status.js';
import { trackerEntry } from '../../src/publish/tracker.js';
import { groupBy } from '../../src/group-by.js';
import type { Verdict } from '../../src/store/records.js';

const SETTINGS = { lockStaleMs: 60_000, lockUpdateMs: 15_000, waitMs: 600_000, pollMs: 5 };
const VARIANTS = ['floor: load and count', 'naive: one query, whole list', 'export json (paged, streamed)'] as const;
type VariantName = (typeof VARIANTS)[number];

async function runVariant(variant: VariantName, dbFile: string, out: string): Promise<number> {
  const store = new FileStore(dbFile, SETTINGS);
  if (variant === 'floor: load and count') {
    return store.read(async (db) => Number((await db.all<{ n: number }>('SELECT count(*) AS n FROM results'))[0]!.n));
  }
  if (variant === 'naive: one query, whole list') {
    return store.read(async (db) => {
      const rows = await db.all<{ name: string; version: string; suite: string; architecture: string; verdict: Verdict; build_date: string }>(
        'SELECT * FROM results ORDER BY name, suite, architecture',
      );
      const list = rows.flatMap((r) => {
        const status = PUBLISHED_STATUS[r.verdict];
        return status
          ? [{ package: r.name, version: r.version, suite: r.suite, architecture: r.architecture, status, build_date: publishedDate(r.build_date) }]
          : [];
      });
      const byPackage = groupBy(
        list.filter((r) => r.suite === 'trixie'),
        (r) => r.package,
      );
      fs.mkdirSync(out, { recursive: true });
      for (const [name, data] of [
        ['reproducible.json', list],
        ['reproducible-tracker.json', [...byPackage.values()].map(trackerEntry)],
      ] as const) {
        const file = path.join(out, name);
        fs.writeFileSync(file, pythonJson(data));
        execFileSync('sh', ['-c', 'bzip2 -9c "$1" > "$1.bz2"', 'sh', file]);
      }
      return list.length;
    });
  }
  const summary = await exportJson(store, { outDir: out, trackerSuite: 'trixie', compressTimeoutMs: 600_000 });
  return summary.rows;
}

if (process.argv[2] === '--variant') {
  const started = performance.now();
  const rows = await runVariant(process.argv[3] as VariantName, process.argv[4]!, process.argv[5]!);
  process.stdout.write(JSON.stringify({ rows, ms: performance.now() - started, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
  process.exit(0);
}

const PACKAGES = Number(process.argv[2] ?? 35_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-export-'));
const dbFile = path.join(work, 'reproducible.db');
const db = await loadDatabase(dbFile);
db.run('BEGIN');
const insert = db.prepare('INSERT INTO results (name, version, suite, architecture, verdict, node1, node2, build_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
const verdicts: Verdict[] = ['reproducible', 'reproducible', 'reproducible', 'reproducible', 'unreproducible', 'FTBFS', 'depwait', 'not-for-us'];
let i = 0;
for (let p = 0; p < PACKAGES; p++) {
  for (const suite of ['bookworm', 'trixie', 'forky', 'sid']) {
    for (const arch of ['amd64', 'arm64']) {
      insert.run([`pkg${String(p).padStart(6, '0')}`, '1.0-1', suite, arch, verdicts[i++ % verdicts.length]!, 'node1', 'node2', '2026-11-30T12:34:56.000Z']);
    }
  }
}
db.run('COMMIT');
saveDatabase(db, dbFile);
db.close();
process.stderr.write(`seeded ${i} results: ${(fs.statSync(dbFile).size / 1e6).toFixed(1)} MB\n`);

const script = fileURLToPath(import.meta.url);
const samples = new Map<VariantName, { ms: number[]; rss: number[]; rows: number }>(VARIANTS.map((v) => [v, { ms: [], rss: [], rows: 0 }]));
for (let round = 0; round < ROUNDS; round++) {
  for (const variant of VARIANTS) {
    const out = path.join(work, `out-${round}-${VARIANTS.indexOf(variant)}`);
    const result = JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', script, '--variant', variant, dbFile, out], { encoding: 'utf8', maxBuffer: 1 << 20 }),
    ) as { rows: number; ms: number; maxRssMb: number };
    const sample = samples.get(variant)!;
    sample.ms.push(result.ms);
    sample.rss.push(result.maxRssMb);
    sample.rows = result.rows;
    process.stderr.write(`  round ${round + 1}/${ROUNDS} ${variant}: ${result.ms.toFixed(0)} ms, ${result.maxRssMb.toFixed(0)} MB, ${result.rows} rows\n`);
    fs.rmSync(out, { recursive: true, force: true });
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const floor = samples.get('floor: load and count')!;
const naive = samples.get('naive: one query, whole list')!;
for (const variant of VARIANTS) {
  const s = samples.get(variant)!;
  const ms = median(s.ms);
  const rss = median(s.rss);
  process.stdout.write(
    `${variant}: ${s.rows} rows, ${(ms / 1000).toFixed(2)} s (${(ms / median(naive.ms)).toFixed(2)}× naive), ` +
      `peak ${rss.toFixed(0)} MB (${(rss - median(floor.rss)).toFixed(0)} MB above the floor; naive ${(median(naive.rss) - median(floor.rss)).toFixed(0)} MB above)\n`,
  );
}
fs.rmSync(work, { recursive: true, force: true });
