/**
 * `repro-spool dashboard`: regenerates the static site (index.html and packages/$PKG.html)
 * from reproducible.db and the spools. Each page is written to a temp name beside it and
 * renamed, so a web server never serves half a page; pages are not fsynced, since the
 * whole site is derived data that the next run rewrites. Package pages are rewritten only
 * when their content changed (pages-writer.ts); pages of packages gone are removed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LOCAL_NODES } from '../builder/local-check.js';
import type { Config } from '../config/config.js';
import type { HealthSettings } from '../config/settings.js';
import { nodeInfo } from '../node-info/info.js';
import { ensureDirInside } from '../durable/atomic.js';
import type { Spool } from '../spool/spool.js';
import type { Store } from '../store/store.js';
import { listDir } from '../spool/walk.js';
import { listArchived } from './artifacts.js';
import { type DashboardData, type HistoryRow, readDatabase, readSpools } from './data.js';
import { page } from './html.js';
import { indexBody } from './index-page.js';
import { listBody, listPath } from './list-page.js';
import { type PackageSource, packageBody } from './package-page.js';
import { type PagesWritten, writePackagePages, writePage } from './pages-writer.js';
import { type VerdictCounts, suiteOverview, verdictHistory } from './stats.js';
import type { NodePair } from './variations-view.js';

const RECENT_BUILDS = 50;
export const LOCAL_PAIR: NodePair = { label: 'local check', node1: LOCAL_NODES[0], node2: LOCAL_NODES[1], arch: '' };

export interface DashboardSummary {
  readonly outDir: string;
  readonly index: string;
  readonly results: number;
  readonly packagePages: PagesWritten & { readonly total: number };
}

/** Bump when a package page's layout changes, so that every page is written again. */
const PAGE_FORMAT = 'package-page-2';

export interface DashboardOptions {
  /** The mirror a suite's sources come from, for links to each package's .dsc; undefined: no link. */
  readonly mirrorOf: (suite: string) => string | undefined;
  /** When a failing node counts as offline. */
  readonly health: HealthSettings;
}

export async function generateDashboard(main: Spool, config: Config, store: Store, outDir: string, options: DashboardOptions): Promise<DashboardSummary> {
  const fromDb = await store.read(readDatabase);
  const pairs = pairsOf(config, fromDb.nodeInfo, main);
  const data: DashboardData = { layout: main.layout, ...fromDb, ...readSpools(main, config, options.health, fromDb), archived: listArchived(main.layout) };
  const { current, days } = verdictHistory(data.history, data.folded);
  const generatedAt = new Date(main.clock.now()).toISOString();
  const packagesDir = path.join(outDir, 'packages');
  ensureDirInside(path.dirname(outDir), packagesDir);

  const byPackage = new Map<string, HistoryRow[]>();
  for (const row of data.history) {
    const rows = byPackage.get(row.name);
    if (rows) rows.push(row);
    else byPackage.set(row.name, [row]);
  }
  for (const name of data.inSpool.keys()) if (!byPackage.has(name)) byPackage.set(name, []);
  // Once per suite, not per package: without a configured mirror it is read from the apt sources.
  const mirrors = new Map([...data.catalogue.keys()].map((key) => key.split('/')[0]!).map((suite) => [suite, options.mirrorOf(suite)]));
  const jobs = [...byPackage].map(([name, rows]) => {
    const sources = sourcesOf(data, name, mirrors);
    return {
      name,
      signature: [
        rows.length,
        rows.at(-1)?.journalId,
        JSON.stringify(data.inSpool.get(name) ?? []),
        [...(data.archived.get(name) ?? [])].join(' '),
        JSON.stringify(sources),
      ].join('|'),
      render: () => page(name, packageBody(name, rows, data, packagesDir, sources), generatedAt),
    };
  });
  const pages = await writePackagePages(packagesDir, PAGE_FORMAT, jobs);
  writeLists(outDir, current, generatedAt);
  const recent = data.history.slice(-RECENT_BUILDS).reverse();
  const index = path.join(outDir, 'index.html');
  const inSpool = [...data.inSpool.values()].flat();
  const suites = suiteOverview(current, data.catalogue, inSpool);
  const body = indexBody({ data, pairs, suites, days, durations: data.durations, recent, outDir, now: main.clock.now() });
  writePage(index, page('repro-spool dashboard', body, generatedAt));
  return { outDir, index, results: data.history.length, packagePages: { ...pages, total: jobs.length } };
}

/** The package in each suite/arch's catalogue, with its .dsc on the mirror where the mirror is known. */
function sourcesOf(data: DashboardData, name: string, mirrors: ReadonlyMap<string, string | undefined>): PackageSource[] {
  const found: PackageSource[] = [];
  for (const [key, sources] of data.catalogue) {
    const source = sources.get(name);
    if (!source) continue;
    const [suite, architecture] = key.split('/') as [string, string];
    const mirror = mirrors.get(suite);
    found.push({ suite, architecture, version: source.version, dscPath: source.dscPath, dscUrl: mirror && `${mirror}/${source.dscPath}` });
  }
  return found;
}

/** The node pairs of the configured jobs; without jobs, the local check's two node spools on this machine. */
function pairsOf(config: Config, info: DashboardData['nodeInfo'], main: Spool): NodePair[] {
  const pairs = new Map<string, NodePair>();
  for (const job of config.jobs) {
    const key = `${job.node1} ${job.node2}`;
    const known = pairs.get(key);
    pairs.set(key, { label: known ? `${known.label}, ${job.name}` : job.name, node1: job.node1, node2: job.node2, arch: job.arch });
  }
  if (pairs.size > 0) return [...pairs.values()];
  // Both local nodes are this machine: its information, read now, stands for both.
  const here = nodeInfo(main.clock);
  for (const node of [LOCAL_PAIR.node1, LOCAL_PAIR.node2]) {
    if (!info.has(node)) info.set(node, { collectedAt: new Date(main.clock.now()).toISOString(), values: here });
  }
  return [{ ...LOCAL_PAIR, arch: here.ARCH! }];
}

/** One page per suite/arch/verdict present; list pages of verdicts no package has any more are removed. */
function writeLists(outDir: string, current: readonly VerdictCounts[], generatedAt: string): void {
  const written = new Set<string>();
  for (const counts of current) {
    for (const [verdict, n] of Object.entries(counts.byVerdict)) {
      if (n === 0) continue;
      const file = path.join(outDir, listPath(counts.suite, counts.architecture, verdict));
      ensureDirInside(outDir, path.dirname(file));
      writePage(file, page(`${counts.suite}/${counts.architecture} ${verdict}`, listBody(counts, verdict), generatedAt));
      written.add(file);
    }
  }
  const walk = (dir: string): void => {
    for (const entry of listDir(dir)) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.html') && !written.has(full)) fs.rmSync(full);
    }
  };
  walk(path.join(outDir, 'lists'));
}
