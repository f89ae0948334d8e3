/**
 * `keys rotate`: a new signing key for this spool (or a local check's node); the old public
 * key stays listed as previous (src/trust/). The private key is never printed.
 */
import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { SpoolError, quoteValue } from '../../errors.js';
import { LOCAL_NODES, isLocalNode, localNodeSpool } from '../../builder/local-check.js';
import { holdSingletonLock } from '../../spool/singleton-lock.js';
import { KeyDir, publishedForm } from '../../trust/keys.js';
import { pinKeys } from '../../trust/pins.js';
import { contextOf } from '../context.js';

interface RotateOptions {
  node?: string;
}

export async function run(options: RotateOptions, command: Command): Promise<void> {
  const ctx = contextOf(command);
  if (options.node !== undefined && !isLocalNode(options.node)) {
    throw new SpoolError(
      'usage',
      `--node ${quoteValue(options.node)}: expected a local check's node (${LOCAL_NODES.join(', ')}); a remote node rotates its key itself`,
    );
  }
  const spool = options.node ? localNodeSpool(ctx.spool, options.node) : ctx.spool;
  let lost: Error | undefined;
  const release = await holdSingletonLock(spool, spool.layout.keysLockDir, `another keys rotate is running on ${spool.layout.root}`, (error) => (lost = error));
  try {
    const rotated = new KeyDir(spool.layout).rotate();
    if (lost) throw new SpoolError('busy', `keys rotate lost its lock (${lost.message}): check \`keys show\``);
    // A local node is on this machine: main pins its new key at once (a remote node's is pinned by `keys pin` after collect-info).
    if (options.node) pinKeys(ctx.spool.layout, options.node, [rotated.previous, rotated.current]);
    const result = { previous: publishedForm(rotated.previous), current: publishedForm(rotated.current) };
    ctx.out.result(
      result,
      () => `rotated: ${rotated.current.keyid} signs from now on; ${rotated.previous.keyid} is kept as previous, so what it signed still verifies`,
    );
  } finally {
    await release();
  }
}
