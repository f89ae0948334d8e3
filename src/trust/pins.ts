/**
 * The node keys main accepts links from: keys/pinned/$NODE/$KEYID.pub in main's spool.
 * A key is pinned by `keys pin NODE` from the node's collected information (the operator
 * compares its key id with the one `keys show` prints on the node), or by a local check
 * for its own node spools, which are on this machine. Pins are only added: a node's old
 * key stays pinned after it rotates, so what it signed before still verifies.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PREVIOUS_KEYS_INFO, SIGNING_KEY_INFO, parseInfo } from '../node-info/info.js';
import type { Layout } from '../spool/layout.js';
import { validateName } from '../spool/names.js';
import { type PublicKey, publicKeyOf, readPublicKeyDir, writePublicKey } from './keys.js';

export const PINNED_DIR = 'pinned';

export function pinnedDir(main: Layout, node: string): string {
  return path.join(main.keysDir, PINNED_DIR, validateName('node', node));
}

export function pinnedKeys(main: Layout, node: string): PublicKey[] {
  return readPublicKeyDir(pinnedDir(main, node));
}

export function pinKeys(main: Layout, node: string, keys: readonly PublicKey[]): void {
  for (const key of keys) writePublicKey(main, pinnedDir(main, node), key);
}

/** The nodes main has pinned keys of. */
export function pinnedNodes(main: Layout): string[] {
  const dir = path.join(main.keysDir, PINNED_DIR);
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

/** The keys a node published in its collected information (collect-info); undefined before it was collected or from a node too old to sign. */
export function collectedKeys(main: Layout, node: string): { current: PublicKey; previous: PublicKey[] } | undefined {
  const file = main.nodeInfoPath(node);
  if (!fs.existsSync(file)) return undefined;
  const info = parseInfo(fs.readFileSync(file, 'utf8'));
  const current = info[SIGNING_KEY_INFO];
  if (!current) return undefined;
  const source = `${main.relative(file)} ${SIGNING_KEY_INFO}`;
  return {
    current: publicKeyOf(current, source),
    previous: (info[PREVIOUS_KEYS_INFO] ?? '')
      .split(' ')
      .filter(Boolean)
      .map((hex) => publicKeyOf(hex, `${main.relative(file)} ${PREVIOUS_KEYS_INFO}`)),
  };
}
