import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { formatId } from '../../spool/identity.js';
import { release } from '../../spool/transitions/release.js';
import { contextOf, idFrom, type IdOptions } from '../context.js';

export async function run(pkg: string, version: string, options: IdOptions, command: Command): Promise<void> {
  const id = idFrom(pkg, version, options);
  const { spool, out } = contextOf(command);
  const released = await release(spool, id);
  out.result(
    { ...id, from: 'failed', to: 'scheduled', attempt: 1, lastFailure: released.fields.get('Last-Failure') ?? null },
    () => `released ${formatId(id)}: failed/ → scheduled/ (attempt 1; it failed with: ${released.fields.get('Last-Failure') ?? 'nothing recorded'})`,
  );
}
