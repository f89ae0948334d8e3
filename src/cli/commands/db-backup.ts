import fs from 'node:fs';
import path from 'node:path';
import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { backupName, expiredBackups } from '../../store/backups.js';
import { isPostgresUrl } from '../../store/store.js';
import { listDir } from '../../spool/walk.js';
import { forPeople } from '../output.js';
import { contextOf, storeOf } from '../context.js';

interface Options {
  to?: string;
}

export async function run(options: Options, command: Command): Promise<void> {
  const ctx = contextOf(command);
  const store = await storeOf(ctx);
  const now = new Date(ctx.spool.clock.now());
  const dir = path.join(ctx.spool.layout.root, 'backups');
  const target = options.to ? path.resolve(options.to) : path.join(dir, backupName(now, isPostgresUrl(ctx.config.database ?? '') ? 'pgdump' : 'db'));
  ctx.out.progress(`backing up ${store.describe()} to ${target}`);
  await store.backup(target);
  // Only the dated backups of the default directory rotate; a --to file is the operator's.
  const removed = options.to
    ? []
    : expiredBackups(
        listDir(dir).map((d) => d.name),
        now,
        ctx.settings.history.backupKeepDays,
      );
  for (const name of removed) fs.rmSync(path.join(dir, name), { force: true });
  const bytes = fs.statSync(target).size;
  ctx.out.result({ file: target, bytes, removed }, () =>
    [`${forPeople(target)}: ${bytes} bytes`, ...removed.map((name) => `removed ${name} (older than ${ctx.settings.history.backupKeepDays} days)`)].join('\n'),
  );
}
