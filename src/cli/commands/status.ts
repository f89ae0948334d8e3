import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { visible } from '../../errors.js';
import { formatId } from '../../spool/identity.js';
import { listHealth } from '../../remote/node-health.js';
import { ensureDirInside } from '../../durable/atomic.js';
import { spoolStatus } from '../../spool/inspect.js';
import { watchSpool } from '../../spool/watch.js';
import { type Store, sizeWarning } from '../../store/store.js';
import { type CommandContext, contextOf, storeOf } from '../context.js';
import { age } from '../../clock.js';
import { table } from '../output.js';
import { queueByCategory, queuedEntries } from '../../schedule/queue.js';

interface Options {
  watch?: boolean;
}

export async function run(options: Options, command: Command): Promise<void> {
  const ctx = contextOf(command);
  const store = await storeOf(ctx);
  if (!options.watch) {
    const { json, human } = snapshot(ctx, store);
    return ctx.out.result(json, () => human);
  }
  await watchStatus(ctx, store);
}

function snapshot(ctx: CommandContext, store: Store): { json: object; human: string } {
  const { spool } = ctx;
  const status = spoolStatus(spool);
  const nodeHealth = listHealth(spool, ctx.settings.health);
  const journalQuarantine = store.quarantined();
  const databaseWarning = sizeWarning(store);
  const queue = queueByCategory(queuedEntries(spool));
  const json = {
    ...status,
    queue,
    nodeHealth,
    journalQuarantine,
    databaseWarning,
    pending: status.pending.map((p) => ({ ...p, ageSeconds: Math.round(p.ageMs / 1000), lock: { health: p.lock.health, reason: p.lock.reason } })),
  };
  const { scheduled, pending, failed, ...nodes } = status.counts;
  const rows = [
    ['scheduled', String(scheduled)],
    ...Object.entries(nodes)
      .sort()
      .map(([node, n]) => [`${node}/`, String(n)]),
    [
      'pending',
      pending +
        (status.oldestPendingMs === null ? '' : `  oldest ${age(status.oldestPendingMs)}`) +
        (status.stalePending ? `  ${status.stalePending} STALE (run reap)` : ''),
    ],
    ['failed', String(failed)],
    ['quarantine', String(status.quarantined)],
    ...(status.anomalies ? [['anomalies', `${status.anomalies} (run reap to quarantine them)`]] : []),
    ...(status.duplicates.length ? [['in 2 states', `${status.duplicates.length} (crash leftovers; run reap)`]] : []),
    ...(journalQuarantine.length ? [['db records', `${journalQuarantine.length} unreadable, quarantined (not in reproducible.db)`]] : []),
  ];
  const queueLines = Object.entries(queue)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([suiteArch, perCategory]) =>
        `  queue ${suiteArch}: ${Object.entries(perCategory)
          .map(([c, n]) => `${c} ${n}`)
          .join(', ')}`,
    );
  const stuck = status.pending.filter((p) => p.stale).map((p) => `  stale: ${formatId(p)} (${p.lock.reason}, ${age(p.ageMs)})`);
  const twice = status.duplicates.map((d) => `  in 2 states: ${d}`);
  const health = nodeHealth.map(
    (h) => `  node ${h.node}: ${h.offlineSince ? `OFFLINE since ${h.offlineSince}` : 'failing'} (${h.failures} failures; last: ${h.lastFailure})`,
  );
  const unreadable = journalQuarantine.map((q) => `  unreadable db record: ${q.file} (${q.reason})`);
  const warning = databaseWarning ? [`  WARNING: ${databaseWarning}`] : [];
  const human = [
    `spool ${status.root}`,
    table(rows.map(([a, b]) => [`  ${a}`, b!])),
    ...queueLines,
    ...stuck,
    ...twice,
    ...health,
    ...unreadable,
    ...warning,
  ].join('\n');
  return { json, human };
}

/**
 * Redraws on each change of the spool (chokidar events, plus the periodic rescan that
 * catches lost events). A terminal gets the view redrawn in place; a pipe or a file gets
 * each changed view appended (one JSON object per line with --json). Ends on SIGINT/SIGTERM.
 */
async function watchStatus(ctx: CommandContext, store: Store): Promise<void> {
  const { layout } = ctx.spool;
  for (const dir of [layout.buildsDir, layout.quarantineDir]) ensureDirInside(layout.root, dir);
  const terminal = process.stdout.isTTY && !ctx.out.json;
  let shown = '';
  const look = () => {
    const { json, human } = snapshot(ctx, store);
    const text = ctx.out.json ? JSON.stringify({ at: new Date(ctx.spool.clock.now()).toISOString(), ...json }) : visible(human);
    if (text === shown) return;
    shown = text;
    if (terminal) process.stdout.write(`\x1b[H\x1b[2J${text}\n\nupdated ${new Date(ctx.spool.clock.now()).toLocaleTimeString()} · Ctrl-C to stop\n`);
    else process.stdout.write(ctx.out.json ? `${text}\n` : `${text}\n\n`);
  };
  const watch = watchSpool([layout.buildsDir, layout.quarantineDir], ctx.settings.watch, look, (error) =>
    ctx.out.progress(`status --watch: ${error.message}; the next rescan looks again`),
  );
  await watch.ready;
  ctx.out.progress(`watching ${layout.root} (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await watch.close();
}
