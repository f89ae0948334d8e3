/**
 * `repro-spool await-result` on a node served by a `watch` agent: main has shipped the
 * entry into the node's inbox and, instead of starting the build over ssh, waits in this
 * one call until the agent has completed it. It watches the results directory with
 * chokidar (plus the periodic rescan) instead of polling over ssh, and moves nothing.
 * It gives up when the entry went to failed/, is nowhere on the node, or waits in the
 * inbox while no agent holds the node's agent lock.
 */
import path from 'node:path';
import { SpoolError } from '../errors.js';
import type { BuildStatus } from '../spool/build-status.js';
import { ensureDirInside } from '../durable/atomic.js';
import { type EntryId, formatId } from '../spool/identity.js';
import { locate } from '../spool/read-entry.js';
import { hasResultMarker, readResultMarker } from '../spool/results.js';
import { singletonLockHeld } from '../spool/singleton-lock.js';
import type { Spool } from '../spool/spool.js';
import { type SpoolWatchSettings, watchSpool } from '../spool/watch.js';

export interface AwaitedResult {
  readonly status: BuildStatus;
  readonly durationSeconds: number;
}

export async function awaitResult(spool: Spool, node: string, id: EntryId, settings: SpoolWatchSettings & { timeoutMs: number }): Promise<AwaitedResult> {
  const results = spool.layout.resultsPath(node, id);
  ensureDirInside(spool.layout.root, path.dirname(results));
  return new Promise<AwaitedResult>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void watch.close().then(outcome, reject);
    };
    const look = () => {
      if (hasResultMarker(results)) {
        const result = readResultMarker(results);
        return finish(() => resolve({ status: result.get('Status') as BuildStatus, durationSeconds: Number(result.get('Duration') ?? 0) }));
      }
      const places = locate(spool.layout, id).map((l) => l.place.state);
      if (places.includes('failed')) return finish(() => reject(new SpoolError('failed', `${formatId(id)} went to failed/ on ${node}: see its Last-Failure`)));
      if (places.length === 0)
        return finish(() => reject(new SpoolError('nothingToDo', `${formatId(id)} is neither in ${node}'s inbox, pending nor finished`)));
      if (!places.includes('pending') && !singletonLockHeld(spool, spool.layout.agentLockDir(node))) {
        return finish(() => reject(new SpoolError('unreachable', `no watch agent serves ${node}: ${formatId(id)} would wait in its inbox for nobody`)));
      }
    };
    const timer = setTimeout(
      () => finish(() => reject(new SpoolError('failed', `${formatId(id)}: no result on ${node} after ${settings.timeoutMs / 1000} s`))),
      settings.timeoutMs,
    );
    const watch = watchSpool([path.dirname(results), spool.layout.buildsDir], settings, look, (error) => finish(() => reject(error)));
  });
}
