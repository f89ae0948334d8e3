/**
 * `keys pin NODE`: accept build links signed by the keys NODE published in its collected
 * information (a local check's node: its keys here; src/trust/). The private key is never printed.
 */
import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { SpoolError, quoteValue } from '../../errors.js';
import { isLocalNode, localNodeSpool } from '../../builder/local-check.js';
import { validateName } from '../../spool/names.js';
import { KeyDir, type PublicKey, publishedForm } from '../../trust/keys.js';
import { collectedKeys, pinKeys } from '../../trust/pins.js';
import { contextOf } from '../context.js';

interface PinOptions {
  keyId?: string;
}

export async function run(node: string, options: PinOptions, command: Command): Promise<void> {
  validateName('node', node);
  const ctx = contextOf(command);
  let keys: PublicKey[];
  if (isLocalNode(node) && !ctx.config.nodes[node]) {
    const local = new KeyDir(localNodeSpool(ctx.spool, node).layout);
    keys = [local.signingKey(), ...local.previous()];
  } else {
    const collected = collectedKeys(ctx.spool.layout, node);
    if (!collected) {
      throw new SpoolError('nothingToDo', `no signing key collected from ${node}: run \`repro-spool collect-info\` first (a node too old to sign has none)`);
    }
    keys = [collected.current, ...collected.previous];
  }
  const current = keys[0]!;
  if (options.keyId !== undefined) {
    if (!/^[0-9a-f]{8,64}$/.test(options.keyId))
      throw new SpoolError('usage', `--key-id ${quoteValue(options.keyId)}: expected 8 to 64 hex digits of a key id`);
    if (!current.keyid.startsWith(options.keyId)) {
      throw new SpoolError(
        'integrity',
        `${node}'s collected key is ${current.keyid}, not ${options.keyId}…: nothing pinned (is this the node you think it is?)`,
      );
    }
  }
  pinKeys(ctx.spool.layout, node, keys);
  const result = { node, pinned: keys.map(publishedForm) };
  ctx.out.result(result, () => `${node}: pinned ${keys.map((k) => k.keyid).join(', ')}`);
}
