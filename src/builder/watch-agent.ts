/**
 * The node agent behind `repro-spool watch`: builds this node's inbox entries as they
 * arrive, up to `parallel` at once, each as build 1 or 2 as its Build-Number field says.
 *
 * Moves: nothing by itself. Every move is buildNext's, exactly as for `build 1|2`: inbox →
 * pending/ (claim, under the entry lock, purpose "build", kept and refreshed while the
 * build runs), then pending/ → reproducible-results/$NODE/ (complete), or pending/ → the
 * inbox (requeue, Attempt unchanged) when the agent is stopped. Sharing those transitions
 * and locks is what lets agents, cron-run builds and main's jobs work on one node.
 * Crash (SIGKILL, power cut): what a crashed `build 1|2` leaves, an entry in pending/
 * under a dead lock that records the build's process group and workdir; the reaper
 * kills the group, removes the workdir and hands the entry back with Attempt+1.
 * Stop: stop() aborts the running builds (each group ends as on a timeout) and resolves
 * once each of their entries is completed or handed back, never halfway.
 */
import { CorruptEntryError, buildNumberOf } from '../spool/entry.js';
import { type EntryId, idKey } from '../spool/identity.js';
import { nodePlace } from '../spool/layout.js';
import { readEntryFile } from '../spool/read-entry.js';
import type { Spool } from '../spool/spool.js';
import { walkEntries } from '../spool/walk.js';
import { type SpoolWatchSettings, watchSpool } from '../spool/watch.js';
import { type BuilderSettings, BuildAbortedError, type NodeBuild, buildNext } from './build-node.js';
import type { BuildNumber } from '../spool/build-status.js';

export interface AgentSettings {
  readonly node: string;
  /** Builds at once. */
  readonly parallel: number;
  readonly watch: SpoolWatchSettings;
  /**
   * Builder settings for an entry's suite (its mirror may depend on the suite); the
   * process spawner is injected here, the clock through the spool.
   */
  readonly builderFor: (suite: string) => BuilderSettings;
}

export interface AgentEvents {
  /** One line for a person: a build started, finished, handed back or failed. */
  progress(line: string): void;
  /** A build that finished (whatever its status) and was completed into the results. */
  built(build: NodeBuild): void;
}

export interface WatchAgent {
  /** Resolves once the watch runs and the inbox had its first look. */
  readonly ready: Promise<void>;
  /** Builds running now (or being handed back). */
  readonly building: number;
  /** Stops looking, aborts running builds and resolves once their entries are completed or handed back; idempotent. */
  stop(): Promise<void>;
}

export function startWatchAgent(spool: Spool, settings: AgentSettings, events: AgentEvents): WatchAgent {
  const inbox = nodePlace(settings.node);
  const inFlight = new Map<string, Promise<void>>();
  // An entry whose build failed with an error waits for a later rescan instead of being
  // retried at once: a mirror that is down would otherwise use up its attempts in seconds.
  const retryAt = new Map<string, number>();
  // An entry that cannot be built stays in the inbox until someone repairs or removes it: say so once, not on every look.
  const reported = new Set<string>();
  const stopper = new AbortController();
  let stopping: Promise<void> | undefined;

  const look = (): void => {
    if (stopper.signal.aborted) return;
    const listed = walkEntries(spool.layout, { places: [inbox] }).entries;
    const present = new Set(listed.map((e) => idKey(e.id)));
    for (const key of retryAt.keys()) if (!present.has(key)) retryAt.delete(key);
    for (const key of reported) if (!present.has(key)) reported.delete(key);
    for (const { id, path } of listed) {
      if (inFlight.size >= settings.parallel) return;
      const key = idKey(id);
      if (inFlight.has(key) || (retryAt.get(key) ?? 0) > spool.clock.now()) continue;
      const buildNumber = readBuildNumber(id, path);
      if (buildNumber === undefined) continue;
      const run = buildOne(id, buildNumber).finally(() => inFlight.delete(key));
      // A finished build frees a slot, and more may be waiting than the free slots took.
      inFlight.set(
        key,
        run.then((finished) => {
          if (finished) lookAgain();
        }),
      );
    }
  };

  /** The entry's Build-Number (missing means 1), or undefined when it is gone or cannot be built. */
  const readBuildNumber = (id: EntryId, path: string): BuildNumber | undefined => {
    try {
      const entry = readEntryFile(path, id, inbox);
      if (!entry) return undefined; // claimed by another builder since the listing
      reported.delete(idKey(id));
      return buildNumberOf(entry);
    } catch (error) {
      const why = error instanceof CorruptEntryError ? 'corrupt entry' : 'unreadable entry';
      if (!reported.has(idKey(id))) events.progress(`${label(id)}: ${why}, skipped: ${messageOf(error)}`);
      reported.add(idKey(id));
      return undefined;
    }
  };

  /** True when the build finished and was completed; every other ending is reported here. */
  const buildOne = async (id: EntryId, buildNumber: BuildNumber): Promise<boolean> => {
    events.progress(`${label(id)}: build ${buildNumber} started`);
    try {
      const done = await buildNext(spool, settings.node, buildNumber, { ...settings.builderFor(id.suite), signal: stopper.signal }, id);
      if (!done) {
        events.progress(`${label(id)}: not claimed: another builder took it or holds its lock`);
        return false;
      }
      events.progress(`${label(id)}: ${done.status} in ${done.durationSeconds.toFixed(1)} s`);
      events.built(done);
      return true;
    } catch (error) {
      if (error instanceof BuildAbortedError) {
        events.progress(`${label(id)}: build ${buildNumber} stopped and handed back to the inbox`);
        return false;
      }
      retryAt.set(idKey(id), spool.clock.now() + settings.watch.rescanMs);
      events.progress(`${label(id)}: build ${buildNumber} failed: ${messageOf(error)}`);
      return false;
    }
  };

  const lookAgain = (): void => {
    try {
      look();
    } catch (error) {
      events.progress(`watch: ${messageOf(error)}`);
    }
  };

  const watch = watchSpool([spool.layout.placeDir(inbox)], settings.watch, look, (error) => events.progress(`watch: ${error.message}`));
  return {
    ready: watch.ready,
    get building() {
      return inFlight.size;
    },
    stop() {
      stopping ??= (async () => {
        stopper.abort();
        await Promise.all(inFlight.values());
        await watch.close();
      })();
      return stopping;
    },
  };
}

function label(id: EntryId): string {
  return `${id.pkg} ${id.version}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
