import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { SpoolError } from '../../errors.js';
import { FIXED_STATES, placeFromName } from '../../spool/layout.js';
import { listDir } from '../../spool/walk.js';
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
  const { spool, out, config } = contextOf(command);
  // A mistyped state must not look like an empty one: a state is fixed, a configured node, or a node directory present here.
  if (options.state !== undefined && !(FIXED_STATES as readonly string[]).includes(options.state)) {
    const present = listDir(spool.layout.buildsDir)
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    const known = [...new Set([...Object.keys(config.nodes), ...present])].filter((n) => !(FIXED_STATES as readonly string[]).includes(n)).sort();
    if (!known.includes(options.state)) {
      throw new SpoolError(
        'usage',
        `unknown --state ${JSON.stringify(options.state)}: expected ${FIXED_STATES.join(', ')}` +
          (known.length ? `, or a node: ${known.join(', ')}` : ', or the name of a node (none configured or present)'),
      );
    }
  }
  const entries = listEntries(spool, filter);
  out.result(entries, () =>
    entries.length === 0
      ? '(no entries)'
      : table([['STATE', 'SUITE', 'ARCH', 'PACKAGE', 'VERSION'], ...entries.map((e) => [e.state, e.suite, e.arch, e.pkg, e.version])]),
  );
}
