import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { foldHistory } from '../../store/fold.js';
import { contextOf, storeOf } from '../context.js';

interface Options {
  olderThanDays?: number;
}

export async function run(options: Options, command: Command): Promise<void> {
  const ctx = contextOf(command);
  const days = options.olderThanDays ?? ctx.settings.history.foldAfterDays;
  const before = new Date(ctx.spool.clock.now() - days * 86_400_000).toISOString().slice(0, 10); // whole days: a day is folded entirely or not at all
  const store = await storeOf(ctx);
  const folded = await store.write((db) => foldHistory(db, before));
  ctx.out.result(
    folded,
    () => `folded ${folded.checks} checks of ${folded.days} days before ${before} into daily counts (each package's latest verdict stays)`,
  );
}
