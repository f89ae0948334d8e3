/**
 * Node health on the main node (node-health/$NODE, deb822): consecutive connection
 * failures of a node, and since when it is offline. A node offline is skipped by jobs
 * (exit 6 before anything is picked, so nothing moves) until nodeRecheckSeconds have
 * passed since its last failure; then one job tries it again, and a success clears it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Stanza, parseStanza } from '../debian/deb822.js';
import { SpoolError, errnoCode } from '../errors.js';
import { writeFileAtomic } from '../spool/atomic.js';
import { isName, validateName } from '../spool/names.js';
import { listDir } from '../spool/walk.js';
import type { Spool } from '../spool/spool.js';

export interface HealthSettings {
  readonly offlineAfterFailures: number;
  readonly recheckMs: number;
}

export interface NodeHealth {
  readonly node: string;
  readonly failures: number;
  readonly lastFailure: string;
  readonly lastFailureAt: string;
  readonly offlineSince?: string;
}

export function healthPath(spool: Spool, node: string): string {
  return path.join(spool.layout.root, 'node-health', validateName('node', node));
}

/** Every node with recent connection failures, offline or not (for `status`). */
export function listHealth(spool: Spool): NodeHealth[] {
  return listDir(path.join(spool.layout.root, 'node-health'))
    .filter((d) => d.isFile() && isName('node', d.name))
    .flatMap((d) => readHealth(spool, d.name) ?? []);
}

export function readHealth(spool: Spool, node: string): NodeHealth | undefined {
  let text: string;
  try {
    text = fs.readFileSync(healthPath(spool, node), 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  const s = parseStanza(text);
  return { node, failures: Number(s.get('Failures') ?? '0'), lastFailure: s.get('Last-Failure') ?? '', lastFailureAt: s.get('Last-Failure-At') ?? '', offlineSince: s.get('Offline-Since') };
}

/** Throws 'unreachable' for a node that is offline and not yet due for a recheck. */
export function assertUsable(spool: Spool, node: string, settings: HealthSettings): void {
  const health = readHealth(spool, node);
  if (!health?.offlineSince) return;
  const due = Date.parse(health.lastFailureAt) + settings.recheckMs;
  if (spool.clock.now() < due) {
    throw new SpoolError('unreachable', `node ${node} is offline since ${health.offlineSince} (${health.failures} failures, last: ${health.lastFailure}); next try after ${new Date(due).toISOString()}`);
  }
}

export function recordFailure(spool: Spool, node: string, reason: string, settings: HealthSettings): NodeHealth {
  const previous = readHealth(spool, node);
  const now = new Date(spool.clock.now()).toISOString();
  const failures = (previous?.failures ?? 0) + 1;
  const offlineSince = previous?.offlineSince ?? (failures >= settings.offlineAfterFailures ? now : undefined);
  const health: NodeHealth = { node, failures, lastFailure: reason.replace(/\n/g, ' '), lastFailureAt: now, offlineSince };
  const stanza = Stanza.of([['Node', node], ['Failures', failures], ['Last-Failure', health.lastFailure], ['Last-Failure-At', now], ['Offline-Since', offlineSince]]);
  writeFileAtomic(spool.layout, healthPath(spool, node), stanza.toString(), { noReplace: false });
  return health;
}

export function recordSuccess(spool: Spool, node: string): void {
  fs.rmSync(healthPath(spool, node), { force: true });
}

/** Runs a step against a node, counting connection failures and clearing them on success. */
export async function tracked<T>(spool: Spool, node: string, settings: HealthSettings, step: () => Promise<T>): Promise<T> {
  try {
    const value = await step();
    recordSuccess(spool, node);
    return value;
  } catch (error) {
    if (error instanceof SpoolError && error.kind === 'unreachable' && error.message.includes(`node ${node} `)) recordFailure(spool, node, error.message, settings);
    throw error;
  }
}
