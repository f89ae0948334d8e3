import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { formatId } from '../../spool/identity.js';
import type { BuildStatus } from '../../spool/build-status.js';
import { complete } from '../../spool/transitions/complete.js';
import { contextOf, idFrom, type IdOptions } from '../context.js';

interface Options extends IdOptions {
  status: BuildStatus;
}

export async function run(pkg: string, version: string, options: Options, command: Command): Promise<void> {
  const id = idFrom(pkg, version, options);
  const { spool, out } = contextOf(command);
  const results = await complete(spool, undefined, { id, status: options.status });
  out.result({ ...id, status: options.status, results }, () => `completed ${formatId(id)} (${options.status}): ${spool.layout.relative(results)}`);
}
