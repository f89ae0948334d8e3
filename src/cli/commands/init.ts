import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { validateName } from '../../spool/names.js';
import { SPOOL_MARKER, type SpoolRole, describeRole, initSpoolRoot } from '../../spool/root.js';
import { contextOf, givenNodeName } from '../context.js';

export async function run(options: { node?: string }, command: Command): Promise<void> {
  const ctx = contextOf(command, 'any');
  // A node named by --node, REPRO_SPOOL_NODE or the configuration's "node" makes this a node's spool; else it is main's.
  const node = givenNodeName(options.node, ctx.config);
  const role: SpoolRole = node === undefined ? { kind: 'main' } : { kind: 'node', node: validateName('node', node) };
  const made = initSpoolRoot(ctx.spool.layout.root, new Date(ctx.spool.clock.now()), role);
  ctx.out.result(
    { root: ctx.spool.layout.root, created: made, role: describeRole(role) },
    () =>
      `${ctx.spool.layout.root}: ${made ? `now the spool of ${describeRole(role)} (${SPOOL_MARKER} written)` : `already the spool of ${describeRole(role)}`}`,
  );
}
