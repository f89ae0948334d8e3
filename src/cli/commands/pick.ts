import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { SpoolError } from '../../errors.js';
import { formatId } from '../../spool/identity.js';
import { nodePlace } from '../../spool/layout.js';
import { pick } from '../../spool/transitions/pick.js';
import { contextOf, optionalName } from '../context.js';

interface Options {
  node: string;
  suite?: string;
  arch?: string;
  job?: string;
}

export async function run(options: Options, command: Command): Promise<void> {
  const place = nodePlace(options.node);
  const filter = { suite: optionalName('suite', options.suite), arch: optionalName('architecture', options.arch) };
  const { spool, out } = contextOf(command);
  const taken = await pick(spool, { node: options.node, ...filter, job: options.job });
  if (!taken) throw new SpoolError('nothingToDo', 'nothing scheduled matches');
  // The CLI is a low-level tool: the job that owns the entry is whatever runs next, so the lock goes.
  await taken.lock.release();
  const file = spool.layout.entryPath(place, taken.entry.id);
  out.result({ state: options.node, ...taken.entry.id, path: file }, () => `picked ${formatId(taken.entry.id)} for ${options.node}`);
}
