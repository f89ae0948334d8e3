/** How main runs repro-spool on a node: the node's configured command, its spool root, JSON output. */
import type { NodeConfig } from '../config/config.js';

export function nodeCommand(node: NodeConfig, args: readonly string[]): string[] {
  return [...node.command, '--root', node.root, '--json', ...args];
}
