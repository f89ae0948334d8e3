import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { SPOOL_MARKER, initSpoolRoot } from '../../spool/root.js';
import { contextOf } from '../context.js';

export async function run(_options: unknown, command: Command): Promise<void> {
  const ctx = contextOf(command, 'any');
  const made = initSpoolRoot(ctx.spool.layout.root, new Date(ctx.spool.clock.now()));
  ctx.out.result(
    { root: ctx.spool.layout.root, created: made },
    () => `${ctx.spool.layout.root}: ${made ? `now a spool (${SPOOL_MARKER} written)` : 'already a spool'}`,
  );
}
