/**
 * What an operator does once per node before its first build: read the node's key there
 * (`keys show` on the node makes it) and pin it on main (`keys pin`). Done in-process here,
 * without an ssh round trip per test; test/remote/trust.test.ts goes the operator's way.
 */
import fs from 'node:fs';
import { Layout } from '../../src/spool/layout.js';
import { KeyDir } from '../../src/trust/keys.js';
import { pinKeys } from '../../src/trust/pins.js';

export function pinNodeKeys(mainRoot: string, nodes: Readonly<Record<string, { readonly root: string }>>): void {
  fs.mkdirSync(mainRoot, { recursive: true });
  for (const [name, node] of Object.entries(nodes)) {
    fs.mkdirSync(node.root, { recursive: true });
    pinKeys(new Layout(mainRoot), name, [new KeyDir(new Layout(node.root)).signingKey()]);
  }
}
