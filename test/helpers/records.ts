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

/** Records no store may take, each with the field the refusal names: what a compromised node or a hand edit could make. */
export function hostileResults(): Array<[StoreRecord, RegExp]> {
  const at = '2026-11-25T00:00:00.000Z';
  const good = twoBuildResult('hello', '1.0', at, [1, 2]) as Extract<StoreRecord, { kind: 'result' }>;
  return [
    [{ ...good, verdict: '../../../packages/steady' as never }, /verdict/],
    [{ ...good, source: { ...good.source, name: '../../etc' } }, /source\.name: expected a Debian source package name/],
    [{ ...good, source: { ...good.source, suite: 'a/b' } }, /source\.suite: expected a suite name/],
    [{ ...good, builds: [{ ...good.builds[0]!, durationSeconds: Infinity }] }, /builds\.0\.durationSeconds/],
    [{ ...good, builds: [{ ...good.builds[0]!, status: 'reproducible' }] }, /builds\.0\.status/],
    [{ ...good, builds: [{ ...good.builds[0]!, node: '../x' }] }, /builds\.0\.node: expected a node name/],
    [{ ...good, buildDate: 'yesterday' }, /buildDate: expected an ISO 8601 time/],
  ];
}
