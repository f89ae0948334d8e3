import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { formatId } from '../../spool/identity.js';
import { forget } from '../../spool/forget.js';
import { type IdOptions, contextOf, idFrom, nodeName } from '../context.js';

interface Options extends IdOptions {
  node?: string;
}

export async function run(pkg: string, version: string, options: Options, command: Command): Promise<void> {
  const id = idFrom(pkg, version, options);
  const ctx = contextOf(command, 'any');
  const node = nodeName(options.node, ctx);
  const done = await forget(ctx.spool, node, id);
  ctx.out.result(
    { ...id, ...done },
    () => `forgot ${formatId(id)} on ${node}: ${done.entries} entr${done.entries === 1 ? 'y' : 'ies'}${done.results ? ' and its results' : ''}`,
  );
}
