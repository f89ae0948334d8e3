import type { Command } from 'commander';
import { formatInfo, nodeInfo } from '../../node-info/info.js';
import { contextOf } from '../context.js';

export async function run(_options: unknown, command: Command): Promise<void> {
  const ctx = contextOf(command);
  const info = nodeInfo(ctx.spool.clock);
  ctx.out.result(info, () => formatInfo(info).trimEnd());
}
