import type { StoreRecord } from '../../src/store/records.js';

/** A check of NAME at AT: both builds built on node1 and node2, with these durations. */
export function twoBuildResult(name: string, version: string, at: string, durations: [number, number]): StoreRecord {
  return {
    kind: 'result',
    source: { name, version, suite: 'bookworm', architecture: 'amd64' },
    verdict: 'reproducible',
    buildDate: at,
    builds: [
      { buildNumber: 1, node: 'node1', startedAt: at, durationSeconds: durations[0], exitCode: 0, status: 'built' },
      { buildNumber: 2, node: 'node2', startedAt: at, durationSeconds: durations[1], exitCode: 0, status: 'built' },
    ],
  };
}
