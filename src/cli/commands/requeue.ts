import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { CONTROL_CHARACTERS, SpoolError } from '../../errors.js';
import { formatId } from '../../spool/identity.js';
import { placeName } from '../../spool/layout.js';
import { requeue } from '../../spool/transitions/requeue.js';
import { contextOf, idFrom, type IdOptions, thisNodeOf } from '../context.js';

interface Options extends IdOptions {
  reason: string;
  node?: string;
}

export async function run(pkg: string, version: string, options: Options, command: Command): Promise<void> {
  const id = idFrom(pkg, version, options);
  if (CONTROL_CHARACTERS.test(options.reason))
    throw new SpoolError('usage', `invalid --reason ${JSON.stringify(options.reason)}: control characters are not allowed (a one-line text)`);
  const ctx = contextOf(command);
  const { spool, out } = ctx;
  const done = await requeue(spool, undefined, id, options.reason, { thisNode: thisNodeOf(options.node, ctx) });
  const [from, to] = [placeName(done.from), placeName(done.to)];
  out.result({ ...id, from, to, attempt: done.attempt }, () => `requeued ${formatId(id)}: ${from}/ → ${to}/ (attempt ${done.attempt})`);
}
