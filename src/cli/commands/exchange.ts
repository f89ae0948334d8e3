import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { exchange, readShippedEntry } from '../../remote/exchange-node.js';
import { parseBuildNumber } from '../../spool/build-status.js';
import { SpoolError } from '../../errors.js';
import { contextOf, nodeName } from '../context.js';
import { builderSettings, parseEntryId, stopOnSignal } from '../node-build.js';

interface Options {
  node?: string;
  entry: string;
}

/** node: the entry on stdin, its build, its results as a tar stream on stdout (what main runs for nodes without a watch agent). */
export async function run(buildNumberText: string, options: Options, command: Command): Promise<void> {
  const buildNumber = parseBuildNumber(buildNumberText);
  if (buildNumber === undefined) throw new SpoolError('usage', `invalid build number ${JSON.stringify(buildNumberText)}: expected 1 or 2`);
  const ctx = contextOf(command, 'create'); // a node's first entry makes its spool, as placing it in the inbox did
  const node = nodeName(options.node, ctx);
  const id = parseEntryId(options.entry);
  if (process.stdout.isTTY) throw new SpoolError('usage', 'exchange writes a tar stream to stdout: redirect it (main runs it over ssh)');
  const entryText = await readShippedEntry(process.stdin, id);
  await exchange(ctx.spool, { node, buildNumber, id, entryText, settings: { ...builderSettings(ctx, id.suite), signal: stopOnSignal(ctx) } }, process.stdout);
}
