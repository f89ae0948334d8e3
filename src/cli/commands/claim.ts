import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { SpoolError } from '../../errors.js';
import { type EntryId, formatId } from '../../spool/identity.js';
import { PENDING } from '../../spool/layout.js';
import { claimEach } from '../../spool/transitions/claim.js';
import { contextOf, nodeName, optionalName } from '../context.js';

interface Options {
  node?: string;
  suite?: string;
  arch?: string;
  max: number;
}

export async function run(options: Options, command: Command): Promise<void> {
  const filter = { suite: optionalName('suite', options.suite), arch: optionalName('architecture', options.arch) };
  const ctx = contextOf(command);
  const { spool, out } = ctx;
  const node = nodeName(options.node, ctx);
  const claimed: Array<EntryId & { path: string }> = [];
  const onConflict = (error: Error) => out.progress(`repro-spool: skipped: ${error.message}`);
  for await (const taken of claimEach(spool, { node, ...filter, onConflict })) {
    // A claim from the command line is a lease: unlocked, the reaper hands it back after lockStaleSeconds.
    await taken.lock.release();
    claimed.push({ ...taken.entry.id, path: spool.layout.entryPath(PENDING, taken.entry.id) });
    if (claimed.length >= options.max) break;
  }
  if (claimed.length === 0) throw new SpoolError('nothingToDo', `${node}'s inbox has nothing to claim`);
  out.result(claimed, () => claimed.map((c) => `claimed ${formatId(c)}`).join('\n'));
}
