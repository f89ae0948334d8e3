import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { EXIT_CODES } from '../../errors.js';
import { deliverEvents } from '../../notify/deliver.js';
import { contextOf } from '../context.js';

export async function run(_options: unknown, command: Command): Promise<void> {
  const ctx = contextOf(command);
  const summary = await deliverEvents(ctx.spool, ctx.settings.notify);
  for (const f of summary.failed) ctx.out.progress(`${f.id}: not delivered (${f.error}); next try after ${f.nextAttemptAt}`);
  for (const name of summary.unreadable) ctx.out.progress(`events/pending/${name} cannot be read: set aside in events/unreadable/`);
  ctx.out.result(
    summary,
    () =>
      `notify deliver: ${summary.delivered.length} delivered, ${summary.failed.length} failed, ${summary.waiting} waiting for their next try, ` +
      `${summary.unreadable.length} unreadable, ${summary.pruned} old deliveries removed`,
  );
  if (summary.failed.length > 0 || summary.unreadable.length > 0) process.exitCode = EXIT_CODES.failed;
}
