import type { Command } from 'commander';
import { formatInfo, nodeInfo, spoolInfo } from '../../node-info/info.js';
import { contextOf } from '../context.js';

export async function run(_options: unknown, command: Command): Promise<void> {
  const ctx = contextOf(command);
  const info = { ...nodeInfo(ctx.spool.clock), ...spoolInfo(ctx.spool) };
  ctx.out.result(info, () => formatInfo(info).trimEnd());
}
