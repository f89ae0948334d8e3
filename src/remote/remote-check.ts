/**
 * `build NODE1 NODE2` and `build --job NAME` on the main node: one check of the next
 * scheduled entry of the nodes' architecture, build 1 on NODE1 and build 2 on NODE2,
 * over ssh. A stop file (NO-BUILDS-PLEASE in the main root) pauses new checks without
 * touching running ones; a node marked offline (node-health.ts) is skipped until its recheck.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config, NodeConfig } from '../config/config.js';
import type { HealthSettings, SshSettings } from '../config/settings.js';
import { assertUsable } from './node-health.js';
import { SpoolError } from '../errors.js';
import { type CheckSettings, type CheckVerdict, checkNext } from '../builder/check.js';
import type { Spool } from '../spool/spool.js';
import { SshTransport } from '../transport/ssh.js';
import { RemoteRunner } from './remote-runner.js';

export const STOP_FILE = 'NO-BUILDS-PLEASE';

export interface RemotePair {
  readonly node1: string;
  readonly node2: string;
  readonly job: string;
}

/** The nodes of a configured job, or of two node names given on the command line. */
export function resolvePair(config: Config, job: string | undefined, nodes: readonly string[]): RemotePair {
  if (job !== undefined) {
    const found = config.jobs.find((j) => j.name === job);
    if (!found)
      throw new SpoolError(
        'usage',
        `no job ${JSON.stringify(job)} in the configuration: expected one of ${config.jobs.map((j) => j.name).join(', ') || '(none configured)'}`,
      );
    return { node1: found.node1, node2: found.node2, job: found.name };
  }
  const [node1, node2] = nodes as [string, string];
  for (const name of [node1, node2]) {
    if (!config.nodes[name])
      throw new SpoolError(
        'usage',
        `no node ${JSON.stringify(name)} in the configuration: expected one of ${Object.keys(config.nodes).join(', ') || '(none configured)'}`,
      );
  }
  if (node1 === node2) throw new SpoolError('usage', 'NODE1 and NODE2 must differ: the point is two different builders');
  return { node1, node2, job: `${node1}+${node2}` };
}

export interface RemoteCheckSettings extends Omit<CheckSettings, 'job'> {
  readonly ssh: SshSettings;
  readonly health: HealthSettings;
}

export async function remoteCheck(
  main: Spool,
  config: Config,
  settings: RemoteCheckSettings,
  pair: RemotePair,
  request: { suite?: string; pkg?: string },
): Promise<CheckVerdict | undefined> {
  const stop = path.join(main.layout.root, STOP_FILE);
  if (fs.existsSync(stop)) throw new SpoolError('nothingToDo', `paused by ${stop}: ${fs.readFileSync(stop, 'utf8').trim() || 'no reason given'}`);
  const [one, two] = [config.nodes[pair.node1], config.nodes[pair.node2]] as [NodeConfig, NodeConfig];
  if (one.arch !== two.arch) throw new SpoolError('usage', `${pair.node1} builds ${one.arch} but ${pair.node2} builds ${two.arch}`);
  const { health } = settings;
  for (const node of [pair.node1, pair.node2]) assertUsable(main, node, health);
  // The nodes' ControlMasters outlive this job (ControlPersist): other jobs share them.
  const runners = [
    new RemoteRunner(main, pair.node1, one, new SshTransport(pair.node1, one, { ...settings.ssh, signal: settings.signal }), health, settings.ssh),
    new RemoteRunner(main, pair.node2, two, new SshTransport(pair.node2, two, { ...settings.ssh, signal: settings.signal }), health, settings.ssh),
  ] as const;
  return checkNext(main, { ...settings, job: pair.job }, runners, { suite: request.suite, arch: one.arch, pkg: request.pkg });
}
