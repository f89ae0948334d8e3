import type { Command } from 'commander';
import { placeFromName } from '../../spool/layout.js';
import { listEntries } from '../../spool/inspect.js';
import { contextOf, optionalName } from '../context.js';
import { table } from '../output.js';

interface Options {
  state?: string;
  suite?: string;
  arch?: string;
}

export async function run(options: Options, command: Command): Promise<void> {
  const filter = {
    places: options.state === undefined ? undefined : [placeFromName(options.state)],
    suite: optionalName('suite', options.suite),
    arch: optionalName('architecture', options.arch),
  };
  const { spool, out } = contextOf(command);
  const entries = listEntries(spool, filter);
  out.result(entries, () =>
    entries.length === 0 ? '(no entries)' : table([['STATE', 'SUITE', 'ARCH', 'PACKAGE', 'VERSION'], ...entries.map((e) => [e.state, e.suite, e.arch, e.pkg, e.version])]),
  );
}
