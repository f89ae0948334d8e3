/**
 * `collect-info` on main (the seed's job that runs reproducible_info.sh on every node):
 * runs `repro-spool info` on each configured node over ssh, writes its key=value output
 * atomically to reproducible-results/node-information/$NODE, and records it in
 * reproducible.db. A node unreachable, or answering what is not node information (checked
 * in info.ts), is reported and skipped; the others are collected.
 */
import type { Config } from '../config/config.js';
import type { SshSettings } from '../config/settings.js';
import { SpoolError } from '../errors.js';
import { writeFileAtomic } from '../durable/atomic.js';
import type { Spool } from '../spool/spool.js';
import type { Store } from '../store/store.js';
import { nodeCommand } from '../remote/node-command.js';
import { SshTransport } from '../transport/ssh.js';
import { type NodeInfo, formatInfo, parseNodeInfoAnswer } from './info.js';

export interface Collected {
  readonly node: string;
  readonly info?: NodeInfo;
  readonly error?: string;
  /** The exit code of the error: 6 for a node that is down, 5 for one whose answer is refused. */
  readonly exitCode?: number;
}

export async function collectInfo(main: Spool, config: Config, store: Store, sshSettings: SshSettings): Promise<Collected[]> {
  const collected: Collected[] = [];
  for (const [name, node] of Object.entries(config.nodes)) {
    try {
      const ssh = new SshTransport(name, node, sshSettings);
      const info = parseNodeInfoAnswer(name, await ssh.check(nodeCommand(node, ['info'])));
      writeFileAtomic(main.layout, main.layout.nodeInfoPath(name), formatInfo(info), { noReplace: false });
      collected.push({ node: name, info });
    } catch (error) {
      if (!(error instanceof SpoolError)) throw error;
      collected.push({ node: name, error: error.message, exitCode: error.exitCode });
    }
  }
  const now = new Date(main.clock.now()).toISOString();
  const records = collected.flatMap((c) => (c.info ? [{ kind: 'node-info' as const, node: c.node, collectedAt: now, values: c.info }] : []));
  if (records.length > 0) await store.record(records);
  return collected;
}
