import type { Command } from 'commander';
import { formatId } from '../../spool/identity.js';
import { healthSettingsOf } from '../../config/config.js';
import { listHealth } from '../../remote/node-health.js';
import { spoolStatus } from '../../spool/inspect.js';
import { contextOf } from '../context.js';
import { age, table } from '../output.js';

export async function run(_options: unknown, command: Command): Promise<void> {
  const { spool, config, out } = contextOf(command);
  const status = spoolStatus(spool);
  const nodeHealth = listHealth(spool, healthSettingsOf(config));
  const json = {
    ...status,
    nodeHealth,
    pending: status.pending.map((p) => ({ ...p, ageSeconds: Math.round(p.ageMs / 1000), lock: { health: p.lock.health, reason: p.lock.reason } })),
  };
  out.result(json, () => {
    const { scheduled, pending, failed, ...nodes } = status.counts;
    const rows = [
      ['scheduled', String(scheduled)],
      ...Object.entries(nodes).sort().map(([node, n]) => [`${node}/`, String(n)]),
      ['pending', `${pending}${status.oldestPendingMs === null ? '' : `  oldest ${age(status.oldestPendingMs)}`}${status.stalePending ? `  ${status.stalePending} STALE (run reap)` : ''}`],
      ['failed', String(failed)],
      ['quarantine', String(status.quarantined)],
      ...(status.anomalies ? [['anomalies', `${status.anomalies} (run reap to quarantine them)`]] : []),
      ...(status.duplicates.length ? [['in 2 states', `${status.duplicates.length} (crash leftovers; run reap)`]] : []),
    ];
    const stuck = status.pending.filter((p) => p.stale).map((p) => `  stale: ${formatId(p)} (${p.lock.reason}, ${age(p.ageMs)})`);
    const twice = status.duplicates.map((d) => `  in 2 states: ${d}`);
    const health = nodeHealth.map((h) => `  node ${h.node}: ${h.offlineSince ? `OFFLINE since ${h.offlineSince}` : 'failing'} (${h.failures} failures; last: ${h.lastFailure})`);
    return [`spool ${status.root}`, table(rows.map(([a, b]) => [`  ${a}`, b!])), ...stuck, ...twice, ...health].join('\n');
  });
}
