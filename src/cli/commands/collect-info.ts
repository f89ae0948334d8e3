import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { EXIT_CODES, SpoolError } from '../../errors.js';
import { collectInfo } from '../../node-info/collect.js';
import { contextOf, storeOf } from '../context.js';

export async function run(_options: unknown, command: Command): Promise<void> {
  const ctx = contextOf(command);
  if (Object.keys(ctx.config.nodes).length === 0) throw new SpoolError('usage', 'no nodes in the configuration: nothing to collect from');
  const collected = await collectInfo(ctx.spool, ctx.config, await storeOf(ctx), ctx.settings.ssh);
  ctx.out.result(collected, () =>
    collected.map((c) => (c.info ? `${c.node}: ${c.info.ARCH}, ${c.info.NUM_CPU} CPUs, ${c.info.KERNEL}` : `${c.node}: FAILED: ${c.error}`)).join('\n'),
  );
  // The first node that failed decides: 6 when it was down, 5 when its answer was refused.
  const failed = collected.find((c) => c.error);
  if (failed) process.exitCode = failed.exitCode ?? EXIT_CODES.failed;
}
