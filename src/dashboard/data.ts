/**
 * Everything the dashboard shows, read in one pass: reproducible.db (verdicts and their
 * history, single builds, node information) and the spools (main's, and a node's own
 * where this machine can read it: the local check's nodes/, or a node on loopback).
 */
import fs from 'node:fs';
import path from 'node:path';
import { foldedDays } from '../store/fold.js';
import type { ResultHistoryRow } from '../store/history.js';
import type { SqlSession } from '../store/session.js';
import type { DaySnapshot } from '../store/verdict-days.js';
import type { Config } from '../config/config.js';
import type { HealthSettings } from '../config/settings.js';
import { type NodeHealth, readHealth } from '../remote/node-health.js';
import { CorruptEntryError, buildNumberOf } from '../spool/entry.js';
import type { EntryId } from '../spool/identity.js';
import { type SpoolStatus, ageOf, spoolStatus } from '../spool/inspect.js';
import { FIXED_STATES, type Layout, placeName } from '../spool/layout.js';
import { localNodeSpool } from '../builder/local-check.js';
import { readEntryFile } from '../spool/read-entry.js';
import { type Spool, openSpool } from '../spool/spool.js';
import { type WalkedEntry, listDir, walkEntries } from '../spool/walk.js';

export interface HistoryRow {
  readonly journalId: string;
  readonly name: string;
  readonly version: string;
  readonly suite: string;
  readonly architecture: string;
  readonly verdict: string;
  /** Why, beyond the verdict's word: unsatisfiable build dependencies, a failure in build 2 only. */
  readonly detail?: string;
  readonly node1: string | null;
  readonly node2: string | null;
  readonly buildDate: string;
  readonly builds: SingleBuild[];
}

export interface SingleBuild {
  readonly buildNumber: number;
  readonly node: string;
  readonly durationSeconds: number;
  readonly status: string;
}

export interface Durations {
  readonly node: string;
  readonly buildNumber: number;
  readonly count: number;
  readonly medianSeconds: number;
  readonly p95Seconds: number;
}

export interface NodeQueue {
  readonly inbox: number;
  readonly pending: number;
  readonly stale: number;
  readonly oldestPendingMs: number | null;
  /** When the figures were true: undefined for a spool read just now. */
  readonly asOf?: string;
}

export interface NodeView {
  readonly name: string;
  readonly arch?: string;
  /** Entries main has shipped to the node (main's $NODE directory). */
  readonly shipped: number;
  /** The node's queue: read from its spool when this machine can, else as its last collected info reported it. */
  readonly queue?: NodeQueue;
  readonly health?: NodeHealth;
  readonly infoCollectedAt?: string;
}

/** A source package as the imported Sources index lists it now. */
export interface CatalogueSource {
  readonly version: string;
  /** Relative to the mirror: pool/main/h/hello/hello_2.10-3.dsc. */
  readonly dscPath: string;
}

/** An entry main has shipped to a node and not concluded yet: a build in progress, or waiting in that node's inbox. */
export interface BuildingNow {
  readonly id: EntryId;
  readonly node: string;
  /** Which of the check's two builds; undefined when its entry file cannot be read. */
  readonly buildNumber?: 1 | 2;
  /** Since it was shipped to this node (the entry's last change of state). */
  readonly ageMs: number;
}

export interface DashboardData {
  /** main's spool layout: where the archive is. */
  readonly layout: Layout;
  /** In build_date order, oldest first. */
  readonly history: HistoryRow[];
  readonly durations: Durations[];
  /** Every node that ever built something. */
  readonly buildNodes: string[];
  /** Daily snapshots of the days folded out of result_history (db fold), per "suite/arch". */
  readonly folded: Map<string, DaySnapshot[]>;
  /** The imported Sources indexes, by "suite/arch" and package name: the whole catalogue the counts are against. */
  readonly catalogue: Map<string, Map<string, CatalogueSource>>;
  /** Entries at nodes now, oldest first. */
  readonly building: BuildingNow[];
  readonly nodeInfo: Map<string, { collectedAt: string; values: Record<string, string> }>;
  readonly nodes: NodeView[];
  readonly main: SpoolStatus;
  /** Archived check directories per package, for links to existing artifacts only. */
  readonly archived: Map<string, Set<string>>;
  /** Where each package's entries are in main's spool now. */
  readonly inSpool: Map<string, { state: string; suite: string; architecture: string; version: string }[]>;
}

export async function readDatabase(db: SqlSession): Promise<Pick<DashboardData, 'history' | 'durations' | 'buildNodes' | 'nodeInfo' | 'catalogue' | 'folded'>> {
  // Single builds are read once, plain (no join, no window function: both measured slower
  // in sql.js on 200,000 rows), then attached to their checks and ranked here.
  const byCheck = new Map<string, SingleBuild[]>();
  const byNode = new Map<string, number[]>();
  const buildNodes = new Set<string>();
  const builds = await db.all<{ journal_id: string; build_number: number; node: string; duration_seconds: number; status: string }>(
    'SELECT journal_id, build_number, node, duration_seconds, status FROM builds ORDER BY journal_id, build_number',
  );
  for (const row of builds) {
    const build: SingleBuild = { buildNumber: row.build_number, node: row.node, durationSeconds: row.duration_seconds, status: row.status };
    const list = byCheck.get(row.journal_id);
    if (list) list.push(build);
    else byCheck.set(row.journal_id, [build]);
    buildNodes.add(build.node);
    // A build's duration says how long the package takes only when it built: a depwait, an
    // E404 or a checksum mismatch ends in seconds, a timeout at the limit, an FTBFS anywhere.
    if (build.status !== 'built') continue;
    const key = `${build.node} ${build.buildNumber}`;
    const values = byNode.get(key);
    if (values) values.push(build.durationSeconds);
    else byNode.set(key, [build.durationSeconds]);
  }
  const checks = await db.all<ResultHistoryRow>(
    'SELECT journal_id, name, version, suite, architecture, verdict, node1, node2, build_date, detail FROM result_history ORDER BY build_date, journal_id',
  );
  const history = checks.map((c): HistoryRow => ({
    journalId: c.journal_id,
    name: c.name,
    version: c.version,
    suite: c.suite,
    architecture: c.architecture,
    verdict: c.verdict,
    node1: c.node1,
    node2: c.node2,
    buildDate: c.build_date,
    detail: c.detail ?? undefined,
    builds: byCheck.get(c.journal_id) ?? [],
  }));
  const nodeInfo = new Map<string, { collectedAt: string; values: Record<string, string> }>();
  const infoRows = await db.all<{ node: string; key: string; value: string; collected_at: string }>(
    'SELECT node, key, value, collected_at FROM node_info ORDER BY node, key',
  );
  for (const row of infoRows) {
    const info = nodeInfo.get(row.node) ?? { collectedAt: row.collected_at, values: {} };
    info.values[row.key] = row.value;
    nodeInfo.set(row.node, info);
  }
  const catalogue: DashboardData['catalogue'] = new Map();
  const sourceRows = await db.all<{ suite: string; architecture: string; name: string; version: string; dsc_path: string }>(
    'SELECT suite, architecture, name, version, dsc_path FROM sources',
  );
  for (const row of sourceRows) {
    const key = `${row.suite}/${row.architecture}`;
    const sources = catalogue.get(key) ?? new Map<string, CatalogueSource>();
    sources.set(row.name, { version: row.version, dscPath: row.dsc_path });
    catalogue.set(key, sources);
  }
  const durations = [...byNode].map(([key, values]) => percentiles(key, values)).sort((a, b) => a.node.localeCompare(b.node) || a.buildNumber - b.buildNumber);
  return { history, durations, buildNodes: [...buildNodes].sort(), nodeInfo, catalogue, folded: await foldedDays(db) };
}

/** Median and 95th percentile by nearest rank. */
function percentiles(key: string, values: number[]): Durations {
  const [node, buildNumber] = key.split(' ') as [string, string];
  values.sort((a, b) => a - b);
  const rank = (q: number) => values[Math.max(0, Math.ceil(q * values.length) - 1)]!;
  return { node, buildNumber: Number(buildNumber), count: values.length, medianSeconds: rank(0.5), p95Seconds: rank(0.95) };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** A node's own spool, if it lives on this machine: the local check's nodes/$NODE, or a configured node on loopback. */
function ownSpoolOf(main: Spool, config: Config, node: string): Spool | undefined {
  if (fs.existsSync(path.join(main.layout.localNodesDir, node))) return localNodeSpool(main, node);
  const configured = config.nodes[node];
  if (configured && LOOPBACK.has(configured.host) && fs.existsSync(configured.root)) return openSpool(configured.root, main.thresholds, main.clock);
  return undefined;
}

export function readSpools(
  main: Spool,
  config: Config,
  health: HealthSettings,
  known: Pick<DashboardData, 'nodeInfo' | 'buildNodes'>,
): Pick<DashboardData, 'main' | 'nodes' | 'inSpool' | 'building'> {
  const walk = walkEntries(main.layout);
  const status = spoolStatus(main, walk);
  const names = new Set<string>([...Object.keys(config.nodes), ...known.nodeInfo.keys()]);
  for (const place of Object.keys(status.counts)) if (!(FIXED_STATES as readonly string[]).includes(place)) names.add(place);
  for (const dir of listDir(main.layout.localNodesDir)) if (dir.isDirectory()) names.add(dir.name);
  for (const node of known.buildNodes) names.add(node);
  const nodes = [...names].sort().map((name): NodeView => {
    const own = ownSpoolOf(main, config, name);
    const info = known.nodeInfo.get(name);
    return {
      name,
      arch: config.nodes[name]?.arch ?? info?.values.ARCH,
      shipped: status.counts[name] ?? 0,
      queue: own ? queueOf(spoolStatus(own), name) : info && queueFromInfo(info),
      health: readHealth(main, name, health),
      infoCollectedAt: info?.collectedAt,
    };
  });
  const inSpool: DashboardData['inSpool'] = new Map();
  for (const e of walk.entries) {
    const list = inSpool.get(e.id.pkg) ?? [];
    list.push({ state: placeName(e.place), suite: e.id.suite, architecture: e.id.arch, version: e.id.version });
    inSpool.set(e.id.pkg, list);
  }
  const building = walk.entries.flatMap((e) => buildingNow(e, main.clock.now())).sort((a, b) => b.ageMs - a.ageMs);
  return { main: status, nodes, inSpool, building };
}

/** An entry in one of main's node directories, read as it is now; nothing if it moved on meanwhile. */
function buildingNow(walked: WalkedEntry, now: number): BuildingNow[] {
  if (walked.place.state !== 'node') return [];
  const ageMs = ageOf(walked.path, now); // since it was shipped
  if (ageMs === undefined) return [];
  let buildNumber: 1 | 2 | undefined;
  try {
    const entry = readEntryFile(walked.path, walked.id, walked.place);
    if (!entry) return [];
    buildNumber = buildNumberOf(entry);
  } catch (error) {
    if (!(error instanceof CorruptEntryError)) throw error; // shown without its build number; the reaper quarantines it
  }
  return [{ id: walked.id, node: walked.place.node, buildNumber, ageMs: Math.max(0, ageMs) }];
}

function queueOf(status: SpoolStatus, node: string): NodeQueue {
  return { inbox: status.counts[node] ?? 0, pending: status.counts.pending ?? 0, stale: status.stalePending, oldestPendingMs: status.oldestPendingMs };
}

/** The SPOOL_ keys of `repro-spool info` (node-info/info.ts), as collected; undefined from a node too old to report them. */
function queueFromInfo(info: { collectedAt: string; values: Record<string, string> }): NodeQueue | undefined {
  const { SPOOL_INBOX, SPOOL_PENDING, SPOOL_STALE, SPOOL_OLDEST_PENDING_SECONDS } = info.values;
  if (SPOOL_INBOX === undefined || SPOOL_PENDING === undefined || SPOOL_STALE === undefined) return undefined;
  const oldest = SPOOL_OLDEST_PENDING_SECONDS ? Number(SPOOL_OLDEST_PENDING_SECONDS) * 1000 : null;
  return { inbox: Number(SPOOL_INBOX), pending: Number(SPOOL_PENDING), stale: Number(SPOOL_STALE), oldestPendingMs: oldest, asOf: info.collectedAt };
}
