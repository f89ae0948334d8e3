import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { SpoolError } from '../../errors.js';
import { changesOn, digestEvent } from '../../notify/digest.js';
import { spoolEvent } from '../../notify/spool-event.js';
import { checksOfPackages } from '../../store/history.js';
import { contextOf, storeOf, subscriptionsOf } from '../context.js';

export async function run(options: { day?: string }, command: Command): Promise<void> {
  const ctx = contextOf(command);
  const day = options.day ?? new Date(ctx.spool.clock.now() - 86_400_000).toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(day)))
    throw new SpoolError('usage', `--day ${JSON.stringify(day)}: expected a date, YYYY-MM-DD`);
  const subscriptions = subscriptionsOf(ctx);
  const checks = await (await storeOf(ctx)).read((db) => checksOfPackages(db, [...subscriptions.keys()]));
  const at = new Date(ctx.spool.clock.now()).toISOString();
  const spooled: string[] = [];
  for (const [name, recipients] of subscriptions) {
    const changes = changesOn(checks.get(name) ?? [], day);
    if (changes.length > 0 && spoolEvent(ctx.spool, digestEvent(name, day, changes, recipients, at))) spooled.push(name);
  }
  ctx.out.result(
    { day, subscribed: subscriptions.size, spooled },
    () => `notify digest ${day}: ${spooled.length} of ${subscriptions.size} subscribed packages changed`,
  );
}
