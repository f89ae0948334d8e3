import path from 'node:path';
import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { contextOf, storeOf } from '../context.js';

export async function run(file: string, _options: unknown, command: Command): Promise<void> {
  const ctx = contextOf(command);
  const store = await storeOf(ctx);
  const source = path.resolve(file);
  ctx.out.progress(`restoring ${store.describe()} from ${source}`);
  await store.restore(source);
  ctx.out.result({ restored: source, database: store.describe() }, () => `${store.describe()} restored from ${source}`);
}
