import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { listTarballs } from '../../chroot/tarballs.js';
import { builderInfo, formatInfo, nodeInfo, signingInfo, spoolInfo } from '../../node-info/info.js';
import { chrootSettingsOf, contextOf } from '../context.js';

export async function run(_options: unknown, command: Command): Promise<void> {
  const ctx = contextOf(command, 'any');
  const chroots = listTarballs(chrootSettingsOf(ctx).dir);
  const info = {
    ...nodeInfo(ctx.spool.clock),
    ...builderInfo(ctx.config.builder, ctx.config.clock, chroots),
    ...spoolInfo(ctx.spool),
    ...signingInfo(ctx.spool),
  };
  ctx.out.result(info, () => formatInfo(info).trimEnd());
}
