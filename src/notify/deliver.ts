/**
 * Transition: events/pending/$ID.json → events/delivered/$ID.json, once the hook
 * (notify.command, the event as JSON on stdin) exited 0 for it. Under locks/_notify.lock
 * (one deliverer at a time; owner recorded by proper-lockfile, stale after
 * lockStaleSeconds). The move is link(2) then unlink(2), never replacing.
 *
 * Delivery is at-least-once: a crash after the hook's success and before the move (fault
 * point notify:after-hook), or a deliverer stalled past the stale time while another
 * takes over, gives the hook the same event again, with the same id, which the hook
 * deduplicates; a crash anywhere else leaves the event pending, delivered at the next run.
 * A failing hook is tried again within the run (notifyRetries, backoff from
 * notifyBackoffSeconds), then at later runs, each further apart (events/attempts/$ID.json,
 * replaced whole, says how often and when next), up to notifyMaxBackoffSeconds apart; a
 * hook that hangs is ended at notifyTimeoutSeconds with its process group. An event file
 * that cannot be read is set aside in events/unreadable/ (named in the result), so one bad
 * file never holds up the rest. Delivered events are removed after notifyKeepDeliveredDays.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ensureDirInside, moveNoReplace, tempPath, writeFileAtomic } from '../durable/atomic.js';
import { faultPoint } from '../durable/fault.js';
import { SpoolError, TargetExistsError, errnoCode } from '../errors.js';
import { type GroupRun, type Spawner, realSpawner, runInGroup } from '../process/group.js';
import { retrying } from '../retry.js';
import { holdSingletonLock } from '../spool/singleton-lock.js';
import type { Spool } from '../spool/spool.js';
import { listDir } from '../spool/walk.js';
import type { NotifySettings } from '../config/settings.js';
import { EventSchema, type NotifyEvent } from './events.js';
import { eventPath } from './spool-event.js';

const DAY_MS = 86_400_000;
/** Of a failed hook's output, the end goes into the attempts file and the result. */
const KEPT_OUTPUT_CHARS = 500;

export interface DeliveryState {
  readonly runs: number;
  readonly nextAttemptAt: string;
  readonly lastError: string;
}

export interface DeliverySummary {
  readonly delivered: string[];
  readonly failed: Array<{ id: string; error: string; nextAttemptAt: string }>;
  /** Pending events whose next attempt is not due yet. */
  readonly waiting: number;
  readonly unreadable: string[];
  readonly pruned: number;
}

export async function deliverEvents(spool: Spool, settings: NotifySettings, spawner: Spawner = realSpawner): Promise<DeliverySummary> {
  const command = settings.command;
  if (!command) throw new SpoolError('usage', 'no "notify.command" in the configuration: events wait in events/pending/ until one delivers them');
  // A deliverer that lost its lock (stalled past the stale time) stops before its next event: another has taken over.
  let lost: Error | undefined;
  const release = await holdSingletonLock(spool, spool.layout.notifyLockDir, 'another notify deliver is running (locks/_notify.lock)', (error) => {
    lost = error;
  });
  try {
    const summary = { delivered: [] as string[], failed: [] as DeliverySummary['failed'], waiting: 0, unreadable: [] as string[], pruned: 0 };
    const now = spool.clock.now();
    for (const event of pendingEvents(spool, summary.unreadable)) {
      if (lost) throw new SpoolError('busy', `notify deliver lost locks/_notify.lock (${lost.message}); the events left are another deliverer's`);
      if (fs.existsSync(eventPath(spool, 'delivered', event.id))) {
        markDelivered(spool, event.id); // a crash between the move's link and unlink left it in both places: delivered it is
        continue;
      }
      const state = readState(spool, event.id);
      if (state && Date.parse(state.nextAttemptAt) > now) {
        summary.waiting += 1;
        continue;
      }
      const outcome = await retrying({ retries: settings.retries, backoffMs: settings.backoffMs }, async () => {
        const error = await runHook(spool, command, event, settings.timeoutMs, spawner);
        return error === undefined ? { value: true } : { retry: error };
      });
      if ('value' in outcome) {
        faultPoint('notify:after-hook');
        markDelivered(spool, event.id);
        summary.delivered.push(event.id);
      } else {
        const runs = (state?.runs ?? 0) + 1;
        const nextAttemptAt = new Date(spool.clock.now() + Math.min(settings.backoffMs * 2 ** runs, settings.maxBackoffMs)).toISOString();
        writeFileAtomic(spool.layout, eventPath(spool, 'attempts', event.id), JSON.stringify({ runs, nextAttemptAt, lastError: outcome.gaveUp }), {
          noReplace: false,
        });
        summary.failed.push({ id: event.id, error: outcome.gaveUp, nextAttemptAt });
      }
    }
    summary.pruned = pruneDelivered(spool, now - settings.keepDeliveredDays * DAY_MS);
    return summary;
  } finally {
    if (!lost) await release(); // a lost lock is another deliverer's now: not ours to remove
  }
}

/** The pending events, oldest first; unreadable ones set aside (their names added to `unreadable`). */
function pendingEvents(spool: Spool, unreadable: string[]): NotifyEvent[] {
  const dir = spool.layout.eventsDir('pending');
  const events: NotifyEvent[] = [];
  for (const entry of listDir(dir)) {
    if (!entry.isFile() || !entry.name.endsWith('.json')) continue;
    const file = path.join(dir, entry.name);
    let parsed: ReturnType<typeof EventSchema.safeParse> | undefined;
    try {
      parsed = EventSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') continue; // delivered by a deliverer that took over meanwhile
      if (!(error instanceof SyntaxError)) throw error;
    }
    if (parsed?.success && `${parsed.data.id}.json` === entry.name) events.push(parsed.data);
    else {
      moveNoReplace(spool.layout, file, path.join(spool.layout.eventsDir('unreadable'), `${entry.name}.${spool.clock.now()}`), 'event-unreadable');
      unreadable.push(entry.name);
    }
  }
  return events.sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
}

function readState(spool: Spool, id: string): DeliveryState | undefined {
  try {
    return JSON.parse(fs.readFileSync(eventPath(spool, 'attempts', id), 'utf8')) as DeliveryState;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || error instanceof SyntaxError) return undefined; // never tried, or a state cut short: try now
    throw error;
  }
}

/** Runs the hook once; undefined when it exited 0, else why not (with the end of its output). */
async function runHook(spool: Spool, command: readonly string[], event: NotifyEvent, timeoutMs: number, spawner: Spawner): Promise<string | undefined> {
  const log = tempPath(spool.layout.tmpDir, 'notify-hook.log');
  ensureDirInside(spool.layout.root, spool.layout.tmpDir);
  const run: GroupRun = {
    command: command[0]!,
    args: command.slice(1),
    cwd: spool.layout.root,
    env: { ...(process.env as Record<string, string>), REPRO_SPOOL_EVENT_ID: event.id, REPRO_SPOOL_EVENT_KIND: event.kind },
    logFile: log,
    timeoutMs,
    killGraceMs: spool.thresholds.killGraceMs,
    input: `${JSON.stringify(event)}\n`,
  };
  try {
    const result = await runInGroup(run, spawner);
    if (result.exitCode === 0) return undefined;
    const output = fs.readFileSync(log, 'utf8').trim().slice(-KEPT_OUTPUT_CHARS);
    const how = result.timedOut
      ? `timed out after ${timeoutMs / 1000} s`
      : result.exitCode === null
        ? `ended by ${result.signal}`
        : `exited ${result.exitCode}`;
    return `${command[0]} ${how}${output ? `: ${output}` : ''}`;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return `${command[0]} does not exist`;
    throw error;
  } finally {
    fs.rmSync(log, { force: true });
  }
}

/** pending → delivered, never replacing; a delivered copy already there (a crash between link and unlink) just loses its pending twin. */
function markDelivered(spool: Spool, id: string): void {
  const pending = eventPath(spool, 'pending', id);
  try {
    moveNoReplace(spool.layout, pending, eventPath(spool, 'delivered', id), 'event-delivered');
  } catch (error) {
    if (!(error instanceof TargetExistsError)) throw error;
    fs.rmSync(pending, { force: true });
  }
  fs.rmSync(eventPath(spool, 'attempts', id), { force: true });
}

function pruneDelivered(spool: Spool, before: number): number {
  const dir = spool.layout.eventsDir('delivered');
  let pruned = 0;
  for (const entry of listDir(dir)) {
    const file = path.join(dir, entry.name);
    if (fs.statSync(file).mtimeMs < before) {
      fs.rmSync(file, { force: true });
      pruned += 1;
    }
  }
  return pruned;
}
