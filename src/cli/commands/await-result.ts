import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { awaitResult } from '../../builder/await-result.js';
import { formatId } from '../../spool/identity.js';
import { contextOf, nodeName } from '../context.js';
import { parseEntryId } from '../node-build.js';

interface Options {
  node?: string;
  entry: string;
}

export async function run(options: Options, command: Command): Promise<void> {
  const ctx = contextOf(command);
  const node = nodeName(options.node, ctx);
  const id = parseEntryId(options.entry);
  const { rescanMs, debounceMs } = ctx.settings.watch;
  // A build older than maxBuildSeconds is the reaper's to end: no result can come later than that.
  const done = await awaitResult(ctx.spool, node, id, { rescanMs, debounceMs, timeoutMs: ctx.spool.thresholds.maxBuildMs });
  ctx.out.result(done, () => `${formatId(id)} on ${node}: ${done.status} in ${done.durationSeconds.toFixed(1)} s`);
}
