/**
 * Node health on the main node: node-health/$NODE is an append-only log of a node's
 * consecutive connection failures, one line each ("ISO-TIME reason"). Appends are single
 * O_APPEND writes, so jobs failing on the same node at once never lose a count (a
 * read-modify-write counter did); a success removes the file. A node with
 * offlineAfterFailures lines is offline since the line that reached the threshold, and is
 * skipped by jobs (exit 6 before anything is picked, so nothing moves) until recheckMs
 * after its last failure; then one job tries it again, and a success clears it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { NodeIntegrityError, NodeUnreachableError, SpoolError, errnoCode } from '../errors.js';
import { ensureDirInside } from '../durable/atomic.js';
import { isName, validateName } from '../spool/names.js';
import { listDir } from '../spool/walk.js';
import type { Spool } from '../spool/spool.js';
import type { HealthSettings } from '../config/settings.js';
import { type NotifyEvent, makeEvent } from '../notify/events.js';
import { spoolEvent } from '../notify/spool-event.js';

export interface NodeHealth {
  readonly node: string;
  readonly failures: number;
  readonly lastFailure: string;
  readonly lastFailureAt: string;
  readonly offlineSince?: string;
}

/** Longer reasons are cut so that each append stays one small write. */
const MAX_REASON_CHARS = 400;
const FAILURE_LINE = /^([0-9T:.Z-]+) (.*)$/;

export function healthPath(spool: Spool, node: string): string {
  return path.join(spool.layout.root, 'node-health', validateName('node', node));
}

/** Every node with recent connection failures, offline or not (for `status`). */
export function listHealth(spool: Spool, settings: HealthSettings): NodeHealth[] {
  return listDir(path.join(spool.layout.root, 'node-health'))
    .filter((d) => d.isFile() && isName('node', d.name))
    .flatMap((d) => readHealth(spool, d.name, settings) ?? []);
}

export function readHealth(spool: Spool, node: string, settings: HealthSettings): NodeHealth | undefined {
  let text: string;
  try {
    text = fs.readFileSync(healthPath(spool, node), 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  // A line cut short by a crash mid-append still counts as a failure; it just has no time.
  const failures = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => FAILURE_LINE.exec(line) ?? [line, '', line]);
  const last = failures.at(-1);
  if (!last) return undefined;
  const threshold = failures[settings.offlineAfterFailures - 1];
  return { node, failures: failures.length, lastFailure: last[2]!, lastFailureAt: last[1]!, offlineSince: threshold ? threshold[1] || last[1] : undefined };
}

/** Throws 'unreachable' for a node that is offline and not yet due for a recheck. */
export function assertUsable(spool: Spool, node: string, settings: HealthSettings): void {
  const health = readHealth(spool, node, settings);
  if (!health?.offlineSince) return;
  const due = Date.parse(health.lastFailureAt) + settings.recheckMs;
  if (spool.clock.now() < due) {
    throw new SpoolError(
      'unreachable',
      `node ${node} is offline since ${health.offlineSince} (${health.failures} failures, last: ${health.lastFailure}); next try after ` +
        `${new Date(due).toISOString()}`,
    );
  }
}

export function recordFailure(spool: Spool, node: string, reason: string, settings: HealthSettings): NodeHealth {
  const file = healthPath(spool, node);
  ensureDirInside(spool.layout.root, path.dirname(file));
  const line = `${new Date(spool.clock.now()).toISOString()} ${reason.replace(/\s+/g, ' ').slice(0, MAX_REASON_CHARS)}\n`;
  const fd = fs.openSync(file, 'a', 0o644);
  try {
    fs.writeSync(fd, line);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  const health = readHealth(spool, node, settings)!;
  // Every failure of an offline node spools the same event (its id is the node and the time it went offline): one file, told once.
  if (settings.events && health.offlineSince) spoolEvent(spool, nodeEvent('node-offline', health, health.offlineSince));
  return health;
}

export function recordSuccess(spool: Spool, node: string, settings: HealthSettings): void {
  const health = readHealth(spool, node, settings);
  // Spooled before the log goes: a crash in between leaves the node offline, and the next success tells it again (same id).
  if (settings.events && health?.offlineSince) spoolEvent(spool, nodeEvent('node-online', health, new Date(spool.clock.now()).toISOString()));
  fs.rmSync(healthPath(spool, node), { force: true });
}

function nodeEvent(kind: 'node-offline' | 'node-online', health: NodeHealth, at: string): NotifyEvent {
  const offline = kind === 'node-offline';
  return makeEvent(kind, `${health.node}/${health.offlineSince}`, {
    at,
    summary: offline
      ? `node ${health.node} is offline since ${health.offlineSince} (${health.failures} failures, last: ${health.lastFailure})`
      : `node ${health.node} is back (offline since ${health.offlineSince})`,
    recipients: [],
    data: { node: health.node, offlineSince: health.offlineSince, failures: health.failures, lastFailure: health.lastFailure },
  });
}

/** Runs a step against a node, counting connection failures and untrustworthy answers, and clearing them on success. */
export async function tracked<T>(spool: Spool, node: string, settings: HealthSettings, step: () => Promise<T>): Promise<T> {
  try {
    const value = await step();
    recordSuccess(spool, node, settings);
    return value;
  } catch (error) {
    if ((error instanceof NodeUnreachableError || error instanceof NodeIntegrityError) && error.node === node)
      recordFailure(spool, node, error.message, settings);
    throw error;
  }
}
