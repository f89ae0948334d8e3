/**
 * `repro-spool dashboard`: regenerates the static site (index.html and packages/$PKG.html)
 * from reproducible.db and the spools. Each page is written to a temp name beside it and
 * renamed, so a web server never serves half a page; pages are not fsynced, since the
 * whole site is derived data that the next run rewrites. Package pages are rewritten only
 * when their content changed (pages-writer.ts); pages of packages gone are removed.
 */
import path from 'node:path';
import { LOCAL_NODES } from '../builder/local-check.js';
import type { Config } from '../config/config.js';
import type { HealthSettings } from '../config/settings.js';
import { nodeInfo } from '../node-info/info.js';
import { ensureDirInside } from '../durable/atomic.js';
import type { Spool } from '../spool/spool.js';
import { sourcesOfPackages } from '../store/catalogue.js';
import { checksOfPackages, recentChecks } from '../store/history.js';
import {
  buildDurations,
  buildNodes,
  catalogueSizes,
  checksPerDay,
  checksPerPackage,
  latestOfPackages,
  latestVerdictCounts,
  versusArchiveCounts,
  latestVerdicts,
  oldestResults,
} from '../store/overview.js';
import { queuedEntries } from '../schedule/queue.js';
import { QUEUE_PAGE, queueBody } from './queue-page.js';
import type { SqlSession } from '../store/session.js';
import type { Store } from '../store/store.js';
import { suiteArchKey, verdictDays } from '../store/verdict-days.js';
import { groupBy } from '../group-by.js';
import { listArchived } from './artifacts.js';
import { type DashboardData, type NodeInfo, readNodeInfo, readSpools } from './data.js';
import { page } from './html.js';
import { openSitePart } from './site-part.js';
import { indexBody } from './index-page.js';
import type { Varied } from '../builder/variations.js';
import { readFindings } from '../archive/consistency.js';
import { NEED_NOTES, listBody, listPath, noNotesBody, noNotesListPath } from './list-page.js';
import { type PackageSource, packageBody } from './package-page.js';
import { type PagesWritten, openPackagePages } from './pages-writer.js';
import { publishFile, removeDeadTemps } from '../durable/publish.js';
import { issueDefinitions, notedPackages, notesOf, notesWithIssues, packagesByIssue } from '../store/notes.js';
import { INFRASTRUCTURE_ISSUES, isInfrastructureFailure, noteApplies } from '../notes/applies.js';
import { ISSUES_INDEX, type AffectedPackage, issueBody, issuePagePath, issuesIndexBody } from './issue-page.js';
import { type SuiteArch, suiteOverview } from './stats.js';
import type { NodePair } from './variations-view.js';

const RECENT_BUILDS = 50;
/** Days of checks per day on the queue page. */
const CHECKS_PER_DAY_SHOWN = 14;
/** Each node's latest builds that built, at most, for its durations. */
const DURATION_SAMPLE = 1000;
/** Package names whose signatures are worked out together (one catalogue query). */
const NAMES_PER_BATCH = 1000;
/** Checks read at most at once to render package pages: what bounds the memory of a first run over years of history. */
const CHECKS_PER_RENDER = 5000;
export const LOCAL_PAIR: NodePair = { label: 'local check', node1: LOCAL_NODES[0], node2: LOCAL_NODES[1], arch: '' };

export interface DashboardSummary {
  readonly outDir: string;
  readonly index: string;
  /** Checks in result_history. */
  readonly results: number;
  readonly packagePages: PagesWritten & { readonly total: number };
}

/** Bump when a package page's layout changes, so that every page is written again. */
const PAGE_FORMAT = 'package-page-4';

export interface DashboardOptions {
  /** The mirror a suite's sources come from, for links to each package's .dsc; undefined: no link. */
  readonly mirrorOf: (suite: string) => string | undefined;
  /** When a failing node counts as offline. */
  readonly health: HealthSettings;
  /** What build 2 varies (the `variations` key): the table says what is not. */
  readonly varied: Varied;
}

/**
 * Everything is read in one snapshot of the database (one read), a bounded part at a
 * time: counts and the chart come counted from SQL, and package pages are rendered batch
 * by batch, only those whose signature changed.
 */
export async function generateDashboard(main: Spool, config: Config, store: Store, outDir: string, options: DashboardOptions): Promise<DashboardSummary> {
  return store.read(async (db) => {
    const info = await readNodeInfo(db);
    const nodes = await buildNodes(db);
    const pairs = pairsOf(config, info, main);
    const data: DashboardData = {
      layout: main.layout,
      nodeInfo: info,
      ...readSpools(main, config, options.health, { nodeInfo: info, buildNodes: nodes }),
      archived: listArchived(main.layout),
    };
    const generatedAt = new Date(main.clock.now()).toISOString();
    const packagesDir = path.join(outDir, 'packages');
    ensureDirInside(path.dirname(outDir), packagesDir);

    removeDeadTemps(outDir);
    const catalogue = await catalogueSizes(db);
    const verdicts = await latestVerdictCounts(db);
    const tested = [...new Map(verdicts.map((v) => [suiteArchKey(v), { suite: v.suite, architecture: v.architecture }])).values()];
    await writeLists(db, outDir, tested, generatedAt);
    await writeIssuePages(db, outDir, generatedAt);
    // Once per suite, not per package: without a configured mirror it is read from the apt sources.
    const mirrors = new Map([...catalogue.keys()].map((key) => key.split('/')[0]!).map((suite) => [suite, options.mirrorOf(suite)]));
    const pages = await writePackagePages(db, data, packagesDir, generatedAt, mirrors);
    const index = path.join(outDir, 'index.html');
    const body = indexBody({
      data,
      pairs,
      varied: options.varied,
      suites: suiteOverview(verdicts, catalogue, [...data.inSpool.values()].flat(), await versusArchiveCounts(db)),
      days: await verdictDays(db),
      durations: await buildDurations(db, nodes, DURATION_SAMPLE),
      durationSample: DURATION_SAMPLE,
      recent: await recentChecks(db, tested, RECENT_BUILDS),
      outDir,
      now: main.clock.now(),
      consistency: readFindings(main.layout),
    });
    await publishFile(index, page('repro-spool dashboard', body, generatedAt));
    const queued = queuedEntries(main);
    const now = main.clock.now();
    await publishFile(
      path.join(outDir, QUEUE_PAGE),
      page(
        'repro-spool queue',
        queueBody({
          queued,
          previous: await latestOfPackages(
            db,
            queued.map((q) => q.name),
          ),
          oldest: await oldestResults(db),
          perDay: await checksPerDay(db, tested, new Date(now - CHECKS_PER_DAY_SHOWN * 24 * 3600_000).toISOString().slice(0, 10)),
          now,
        }),
        generatedAt,
      ),
    );
    return { outDir, index, results: pages.checks, packagePages: pages.written };
  });
}

/**
 * A page per package with a check or an entry in the spool, rewritten only when what it
 * shows changed: its checks (how many, the latest), its place in the spool, its archived
 * checks and its sources.
 */
async function writePackagePages(
  db: SqlSession,
  data: DashboardData,
  dir: string,
  generatedAt: string,
  mirrors: ReadonlyMap<string, string | undefined>,
): Promise<{ written: PagesWritten & { readonly total: number }; checks: number }> {
  const pages = openPackagePages(dir, PAGE_FORMAT);
  const perPackage = await checksPerPackage(db);
  const names = [...new Set([...perPackage.keys(), ...data.inSpool.keys()])].sort();
  for (let start = 0; start < names.length; start += NAMES_PER_BATCH) {
    const batch = names.slice(start, start + NAMES_PER_BATCH);
    const notes = await notesOf(db, batch);
    const sources = groupBy(
      (await sourcesOfPackages(db, batch)).map((s): PackageSource & { name: string } => {
        const mirror = mirrors.get(s.suite);
        return { ...s, dscUrl: mirror && `${mirror}/${s.dscPath}` };
      }),
      (s) => s.name,
    );
    const due = pages.due(
      batch.map((name) => ({
        name,
        signature: [
          perPackage.get(name)?.checks ?? 0,
          perPackage.get(name)?.latest,
          JSON.stringify(data.inSpool.get(name) ?? []),
          [...(data.archived.get(name) ?? [])].join(' '),
          JSON.stringify(sources.get(name) ?? []),
          JSON.stringify(notes.get(name) ?? null),
        ].join('|'),
      })),
    );
    for (const chunk of byChecks(
      due.map((d) => d.name),
      perPackage,
    )) {
      const checks = await checksOfPackages(db, chunk);
      await pages.write(
        chunk.map((name) => ({
          name,
          text: page(name, packageBody(name, checks.get(name)!, data, dir, sources.get(name) ?? [], notes.get(name)), generatedAt),
        })),
      );
    }
  }
  return { written: await pages.finish(), checks: [...perPackage.values()].reduce((sum, p) => sum + p.checks, 0) };
}

/** Names in chunks of at most CHECKS_PER_RENDER checks (a package with more is a chunk of its own). */
function byChecks(names: readonly string[], perPackage: ReadonlyMap<string, { checks: number }>): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let checks = 0;
  for (const name of names) {
    const n = perPackage.get(name)?.checks ?? 0;
    if (current.length > 0 && checks + n > CHECKS_PER_RENDER) {
      chunks.push(current);
      current = [];
      checks = 0;
    }
    current.push(name);
    checks += n;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** The node pairs of the configured jobs; without jobs, the local check's two node spools on this machine. */
function pairsOf(config: Config, info: NodeInfo, main: Spool): NodePair[] {
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

/** One page per suite/arch/verdict present, from each package's latest verdict; list pages of verdicts no package has any more are removed. */
async function writeLists(db: SqlSession, outDir: string, tested: readonly SuiteArch[], generatedAt: string): Promise<void> {
  const lists = openSitePart(outDir, 'lists', generatedAt);
  const noted = await notedPackages(db);
  const infrastructure = await notesWithIssues(db, INFRASTRUCTURE_ISSUES);
  for (const { suite, architecture } of tested) {
    // An FTBFS the notes blame on the test infrastructure is not the package's: kept out of the FTBFS list, as the original does.
    const latest = (await latestVerdicts(db, suite, architecture)).filter((r) => !isInfrastructureFailure(r.verdict, r.version, infrastructure.get(r.name)));
    for (const [verdict, packages] of groupBy(latest, (row) => row.verdict)) {
      await lists.publish(
        listPath(suite, architecture, verdict),
        `${suite}/${architecture} ${verdict}`,
        listBody(suite, architecture, verdict, packages, latest.length, noted),
      );
    }
    const withoutNotes = latest.filter((r) => NEED_NOTES.includes(r.verdict) && !noted.has(r.name));
    await lists.publish(noNotesListPath(suite, architecture), `${suite}/${architecture} without notes`, noNotesBody(suite, architecture, withoutNotes));
  }
  lists.finish();
}

/** issues/index.html and a page per issue; pages of issues no longer defined are removed. */
async function writeIssuePages(db: SqlSession, outDir: string, generatedAt: string): Promise<void> {
  const issues = await issueDefinitions(db);
  const tagged = await packagesByIssue(db);
  const notes = await notesOf(db, [...new Set(tagged.map((t) => t.name))]);
  const applying = tagged.flatMap((t): Array<AffectedPackage & { issue: string }> => {
    const note = notes.get(t.name);
    if (t.version === null || t.suite === null || t.architecture === null || t.verdict === null || !note || !noteApplies(note, t.version)) return [];
    return [{ issue: t.issue, name: t.name, version: t.version, suite: t.suite, architecture: t.architecture, verdict: t.verdict }];
  });
  const affected = groupBy(applying, (a) => a.issue);
  const pages = openSitePart(outDir, path.dirname(ISSUES_INDEX), generatedAt);
  for (const issue of issues) await pages.publish(issuePagePath(issue.name), issue.name, issueBody(issue, affected.get(issue.name) ?? []));
  await pages.publish(ISSUES_INDEX, 'issues', issuesIndexBody(issues, affected));
  pages.finish();
}
