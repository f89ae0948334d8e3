import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { PRUNE_ACTIONS, pruneArchive } from '../../archive/retention.js';
import { catalogueMembership } from '../../store/catalogue.js';
import { contextOf, storeOf } from '../context.js';

export async function run(options: { dryRun?: boolean }, command: Command): Promise<void> {
  const ctx = contextOf(command);
  const dryRun = options.dryRun ?? false;
  const catalogue = await (await storeOf(ctx)).read(catalogueMembership);
  const pruned = pruneArchive(ctx.spool.layout, ctx.settings.archive, ctx.spool.clock.now(), dryRun, catalogue);
  const bytes = pruned.reduce((sum, p) => sum + p.bytes, 0);
  const counts = Object.fromEntries(PRUNE_ACTIONS.map((action) => [action, pruned.filter((p) => p.action === action).length]));
  ctx.out.result({ dryRun, bytes, counts, pruned }, () =>
    [
      ...pruned.map((p) => `${dryRun ? '[dry-run] ' : ''}${p.action} ${ctx.spool.layout.relative(p.dir)}: ${p.reason} (${p.bytes} bytes)`),
      `archive prune${dryRun ? ' --dry-run' : ''}: ${pruned.length ? `${bytes} bytes in ${pruned.length} checks` : 'nothing to prune'}`,
    ].join('\n'),
  );
}
