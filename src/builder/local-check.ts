/**
 * The local two-build check ("called without param: behave as always"): both builds on
 * this machine, through the same spool and state machine as the remote case. Each local
 * node is a spool under $ROOT/nodes/ and the transport is a copy: entries are written
 * into the node spool's inbox, the node builds in this process as `build 1|2` would,
 * and its results are copied back (staged in tmp/, their signed link checked, renamed
 * into place whole).
 */
import fs from 'node:fs';
import path from 'node:path';
import { copyDurable, placeDirectory, stageDirectory, writeFileAtomic } from '../durable/atomic.js';
import { type Entry, formatEntry, shippedTo } from '../spool/entry.js';
import { type EntryId, formatId } from '../spool/identity.js';
import { nodePlace } from '../spool/layout.js';
import { forget } from '../spool/forget.js';
import { type Spool, openSpool } from '../spool/spool.js';
import { SpoolError } from '../errors.js';
import { type BuilderSettings, type NodeBuild, buildNext } from './build-node.js';
import { type CheckRequest, type CheckSettings, type CheckVerdict, type NodeRunner, checkNext } from './check.js';
import type { BuildNumber } from '../spool/build-status.js';
import { verifyBuildLink } from '../trust/build-link.js';
import { KeyDir } from '../trust/keys.js';
import { pinKeys, pinnedKeys } from '../trust/pins.js';

export const LOCAL_NODES = ['local1', 'local2'] as const;

export function isLocalNode(name: string): boolean {
  return (LOCAL_NODES as readonly string[]).includes(name);
}

export function localNodeSpool(main: Spool, node: string): Spool {
  return openSpool(path.join(main.layout.localNodesDir, node), main.thresholds, main.clock);
}

class LocalRunner implements NodeRunner {
  private readonly spool: Spool;

  constructor(
    private readonly main: Spool,
    readonly node: string,
    private readonly settings: BuilderSettings,
  ) {
    this.spool = localNodeSpool(main, node);
  }

  /** What a remote node's `forget` does, on the node spool here (in local mode nothing else reaps it). */
  async clearLeftovers(id: EntryId): Promise<void> {
    if (fs.existsSync(this.spool.layout.root)) await forget(this.spool, this.node, id);
  }

  async build(entry: Entry, buildNumber: BuildNumber): Promise<NodeBuild> {
    const shipped = shippedTo(entry, this.node, buildNumber);
    writeFileAtomic(this.spool.layout, this.spool.layout.entryPath(nodePlace(this.node), entry.id), formatEntry(shipped), { noReplace: true });
    const build = await buildNext(this.spool, this.node, buildNumber, this.settings, entry.id);
    if (!build) throw new SpoolError('failed', `${formatId(entry.id)} vanished from ${this.node}'s inbox before it was built`);
    const fetched = this.main.layout.resultsPath(this.node, entry.id);
    // The node spool is on this machine, so its keys are pinned as they are; its link is checked like a remote node's.
    const keys = new KeyDir(this.spool.layout);
    pinKeys(this.main.layout, this.node, [...keys.previous(), keys.signingKey()]);
    copyTree(this.main, build.results, fetched, (staged) =>
      verifyBuildLink(
        staged,
        { id: entry.id, node: this.node, buildNumber, status: build.status, dscSha256: entry.fields.get('Dsc-Sha256') ?? '' },
        pinnedKeys(this.main.layout, this.node),
      ),
    );
    fs.rmSync(build.results, { recursive: true, force: true });
    return { ...build, results: fetched };
  }
}

export async function localCheck(
  main: Spool,
  settings: BuilderSettings & Omit<CheckSettings, 'job'>,
  request: CheckRequest,
): Promise<CheckVerdict | undefined> {
  const runners = [new LocalRunner(main, LOCAL_NODES[0], settings), new LocalRunner(main, LOCAL_NODES[1], settings)] as const;
  return checkNext(main, { ...settings, job: 'local' }, runners, request);
}

/** Copies a results directory into the main spool: staged in tmp/, checked there, renamed into place whole. */
function copyTree(main: Spool, source: string, target: string, check: (staged: string) => void): void {
  const staging = stageDirectory(main.layout, 'fetch', (dir) => {
    for (const name of fs.readdirSync(source)) copyDurable(path.join(source, name), path.join(dir, name));
    check(dir);
  });
  placeDirectory(main.layout, staging, target);
}
