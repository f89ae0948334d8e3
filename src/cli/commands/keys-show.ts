/**
 * `keys show`: this spool's signing key, current and previous, and on main the node keys it
 * pins, with the key each node last published (src/trust/). The private key is never printed.
 */
import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { KeyDir, type PublicKey, publishedForm } from '../../trust/keys.js';
import { collectedKeys, pinnedKeys, pinnedNodes } from '../../trust/pins.js';
import { contextOf, thisNodeOf } from '../context.js';

function ownKeys(keys: KeyDir) {
  return { current: publishedForm(keys.signingKey()), previous: keys.previous().map(publishedForm) };
}

export async function run(_options: unknown, command: Command): Promise<void> {
  const ctx = contextOf(command);
  const own = ownKeys(new KeyDir(ctx.spool.layout));
  const node = thisNodeOf(undefined, ctx);
  if (node !== undefined) {
    ctx.out.result({ spool: `node ${node}`, ...own }, () => `node ${node}: ${describe(own)}`);
    return;
  }
  const names = [...new Set([...Object.keys(ctx.config.nodes), ...pinnedNodes(ctx.spool.layout)])].sort();
  const nodes = Object.fromEntries(
    names.map((node) => {
      const pinned: PublicKey[] = pinnedKeys(ctx.spool.layout, node);
      const collected = collectedKeys(ctx.spool.layout, node);
      const published = collected && { keyid: collected.current.keyid, pinned: pinned.some((k) => k.keyid === collected.current.keyid) };
      return [node, { pinned: pinned.map(publishedForm), ...(published && { collected: published }) }];
    }),
  );
  ctx.out.result({ spool: 'main', ...own, nodes }, () =>
    [
      `main: ${describe(own)}`,
      ...Object.entries(nodes).map(([node, n]) => {
        const pins = n.pinned.map((k) => k.keyid).join(', ') || 'none pinned: its builds are refused until `keys pin`';
        const collected = n.collected ? `; collected ${n.collected.keyid}${n.collected.pinned ? '' : ' (NOT pinned)'}` : '';
        return `${node}: pinned ${pins}${collected}`;
      }),
    ].join('\n'),
  );
}

function describe(own: ReturnType<typeof ownKeys>): string {
  const previous = own.previous.length ? `; previous ${own.previous.map((k) => k.keyid).join(', ')}` : '';
  return `${own.current.keyid}${previous}\n${own.current.pem.trimEnd()}`;
}
