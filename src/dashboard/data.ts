/**
 * What the dashboard shows of the nodes and the spools: node information from
 * reproducible.db, main's spool, and a node's own where this machine can read it (the
 * local check's nodes/, or a node on loopback). The checks and their counts are read
 * from the database by the pages that show them (store/history.ts, store/overview.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SqlSession } from '../store/session.js';
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
import type { BuildNumber } from '../spool/build-status.js';

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

/** An entry main has shipped to a node and not concluded yet: a build in progress, or waiting in that node's inbox. */
export interface BuildingNow {
  readonly id: EntryId;
  readonly node: string;
  /** Which of the check's two builds; undefined when its entry file cannot be read. */
  readonly buildNumber?: BuildNumber;
  /** Since it was shipped to this node (the entry's last change of state). */
  readonly ageMs: number;
}

/** What every page of the dashboard may show besides the checks themselves. */
export interface DashboardData {
  /** main's spool layout: where the archive is. */
  readonly layout: Layout;
  readonly nodeInfo: NodeInfo;
  readonly nodes: NodeView[];
  readonly main: SpoolStatus;
  /** Entries at nodes now, oldest first. */
  readonly building: BuildingNow[];
  /** Archived check directories per package, for links to existing artifacts only. */
  readonly archived: Map<string, Set<string>>;
  /** Where each package's entries are in main's spool now. */
  readonly inSpool: Map<string, { state: string; suite: string; architecture: string; version: string }[]>;
}

/** The latest information collect-info stored per node. */
export type NodeInfo = Map<string, { collectedAt: string; values: Record<string, string> }>;

export async function readNodeInfo(db: SqlSession): Promise<NodeInfo> {
  const nodeInfo: NodeInfo = new Map();
  const infoRows = await db.all<{ node: string; key: string; value: string; collected_at: string }>(
    'SELECT node, key, value, collected_at FROM node_info ORDER BY node, key',
  );
  for (const row of infoRows) {
    const info = nodeInfo.get(row.node) ?? { collectedAt: row.collected_at, values: {} };
    info.values[row.key] = row.value;
    nodeInfo.set(row.node, info);
  }
  return nodeInfo;
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
  known: { readonly nodeInfo: NodeInfo; readonly buildNodes: readonly string[] },
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
  let buildNumber: BuildNumber | undefined;
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
