import path from 'node:path';
import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { SpoolError } from '../../errors.js';
import { copyStore } from '../../store/copy.js';
import { isPostgresUrl, openStore } from '../../store/store.js';
import { contextOf, storeOf, storeSettingsOf } from '../context.js';
import { table } from '../output.js';

interface Options {
  to: string;
  from?: string;
}

export async function run(options: Options, command: Command): Promise<void> {
  if (!isPostgresUrl(options.to)) throw new SpoolError('usage', `--to ${JSON.stringify(options.to)}: expected a postgresql:// URL`);
  const ctx = contextOf(command);
  if (!options.from && ctx.config.database && isPostgresUrl(ctx.config.database)) {
    throw new SpoolError('usage', 'the configured database is PostgreSQL already: pass --from FILE to copy an embedded reproducible.db');
  }
  const from = options.from ? await openStore(path.resolve(options.from), storeSettingsOf(ctx)) : await storeOf(ctx);
  if (!from.exists()) throw new SpoolError('usage', `${from.describe()} does not exist: nothing to copy`);
  const to = await openStore(options.to, storeSettingsOf(ctx));
  const report = await copyStore(from, to, (line) => ctx.out.progress(line));
  ctx.out.result(report, () =>
    [
      `copied ${from.describe()} to ${to.describe()}:`,
      table([['table', 'rows', 'copied', 'now there'], ...report.map((r) => [r.table, String(r.source), String(r.copied), String(r.target)])]),
      `Set "database": "${to.describe()}" (with its password, if any) in the configuration to use it.`,
    ].join('\n'),
  );
}
