/**
 * A build node reached over ssh (the seed's steps 4–7): the entry is placed atomically in
 * the node's inbox, built there, and its results directory is copied back into the main
 * spool (staged in tmp/, checked against what main asked for and the node's signed link,
 * renamed whole) and removed from the node. On a node that main builds on, all of it is
 * one ssh round trip, `exchange` (remote/exchange-node.ts): the entry on stdin, the
 * results as a tar stream on stdout, read by results-stream.ts. On a node whose watch
 * agent builds its inbox, main places the entry, waits with `await-result`, lists, copies
 * with scp and removes: five round trips, as the agent, not main, starts the build.
 * Every remote command is built from quoted words: the node's configured command, its
 * root, and names that passed the spool's grammars.
 */
import fs from 'node:fs';
import type { NodeConfig } from '../config/config.js';
import { EXIT_CODES, NodeUnreachableError, SpoolError, TargetExistsError } from '../errors.js';
import type { NodeRunner } from '../builder/check.js';
import type { NodeBuild } from '../builder/build-node.js';
import type { BuildNumber } from '../spool/build-status.js';
import { ensureDirInside, placeDirectory, tempPath } from '../durable/atomic.js';
import { type Entry, formatEntry, shippedTo } from '../spool/entry.js';
import type { EntryId } from '../spool/identity.js';
import { Layout, nodePlace } from '../spool/layout.js';
import type { Spool } from '../spool/spool.js';
import { REMOTE_KILLED, type RemoteResult, type SshTransport } from '../transport/ssh.js';
import type { HealthSettings, SshSettings } from '../config/settings.js';
import { type BuildAnswer, type ListedFile, parseBuildAnswer, parseResultListing, verifyFetchedResults } from './fetched-results.js';
import { ResultsReceiver } from './results-stream.js';
import { tracked } from './node-health.js';
import { nodeCommand } from './node-command.js';
import { verifyBuildLink } from '../trust/build-link.js';
import { pinKeys, pinnedKeys } from '../trust/pins.js';

/** The class of the error a remote repro-spool reported with --json, if it said. */
function errorType(stdout: string): string | undefined {
  try {
    const parsed = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { error?: { type?: unknown } };
    return typeof parsed.error?.type === 'string' ? parsed.error.type : undefined;
  } catch {
    return undefined; // not JSON: an older node or a crash; judged by the exit code alone
  }
}

const entryArg = ({ suite, arch, pkg, version }: EntryId) => `${suite}/${arch}/${pkg}/${version}`;

export class RemoteRunner implements NodeRunner {
  private readonly remote: Layout;

  constructor(
    private readonly main: Spool,
    readonly node: string,
    private readonly config: NodeConfig,
    private readonly ssh: SshTransport,
    private readonly health: HealthSettings,
    private readonly transport: Pick<SshSettings, 'commandTimeoutSeconds' | 'resultsMaxBytes'>,
  ) {
    this.remote = new Layout(config.root);
  }

  private command(...args: string[]): string[] {
    return nodeCommand(this.config, args);
  }

  clearLeftovers(id: EntryId): Promise<void> {
    return tracked(this.main, this.node, this.health, () => this.forget(id));
  }

  build(entry: Entry, buildNumber: BuildNumber): Promise<NodeBuild> {
    return tracked(this.main, this.node, this.health, () => (this.config.agent ? this.shipAwaitFetch(entry, buildNumber) : this.exchange(entry, buildNumber)));
  }

  private async forget(id: EntryId): Promise<void> {
    const out = await this.ssh.run(this.command('forget', id.pkg, id.version, '--suite', id.suite, '--arch', id.arch, '--node', this.node));
    if (out.exitCode === EXIT_CODES.busy) throw new SpoolError('busy', `${this.node} is still building a copy of this entry from an earlier job`);
    if (out.exitCode !== 0) throw new SpoolError('failed', `forget on ${this.node} exited ${out.exitCode}: ${out.stderr.trim()}`);
  }

  /** Clock: how this node varies the clock of build 2, as main's configuration says (its own builder would not know). */
  private shipped(entry: Entry, buildNumber: BuildNumber): Entry {
    return shippedTo(entry, this.node, buildNumber, this.config.clock ? [['Clock', this.config.clock]] : []);
  }

  private async exchange(entry: Entry, buildNumber: BuildNumber): Promise<NodeBuild> {
    const input = Buffer.from(formatEntry(this.shipped(entry, buildNumber)));
    const words = this.command('exchange', String(buildNumber), '--node', this.node, '--entry', entryArg(entry.id));
    for (let forgotten = false; ; forgotten = true) {
      ensureDirInside(this.main.layout.root, this.main.layout.tmpDir);
      const staging = tempPath(this.main.layout.tmpDir, 'fetch'); // a crash leaves it in tmp/ for the reaper
      fs.mkdirSync(staging);
      try {
        const receiver = new ResultsReceiver(staging, this.node, this.transport.resultsMaxBytes);
        const out = await this.ssh.stream(words, input, receiver.sink);
        if (out.exitCode !== 0 && !forgotten && errorType(out.stdout) === 'TargetExistsError') {
          // Another copy of this entry is there: a dead job's that landed late. Clear what it
          // left (forget waits for nothing: a build still running it makes this exit 4) and send ours again.
          await this.forget(entry.id);
          continue;
        }
        this.assertBuilt(out, entry, buildNumber);
        const received = await receiver.done;
        const done = parseBuildAnswer(this.node, buildNumber, received.answer, this.transport.commandTimeoutSeconds);
        return this.accept(staging, entry, buildNumber, done, received.listed);
      } finally {
        fs.rmSync(staging, { recursive: true, force: true });
      }
    }
  }

  private async shipAwaitFetch(entry: Entry, buildNumber: BuildNumber): Promise<NodeBuild> {
    const shipped = this.shipped(entry, buildNumber);
    const place = () => this.ssh.put(formatEntry(shipped), this.remote.entryPath(nodePlace(this.node), entry.id), this.remote.tmpDir);
    try {
      await place();
    } catch (error) {
      if (!(error instanceof TargetExistsError)) throw error;
      // Another copy of this entry is there: a dead job's put that landed late. Clear what
      // it left (forget waits for nothing: a build still running it makes this exit 4) and place ours.
      await this.forget(entry.id);
      await place();
    }
    // A node running `repro-spool watch` builds what arrives in its inbox: wait for that
    // (idempotent: waiting twice is harmless) instead of starting a build that would race it.
    const out = await this.ssh.run(this.command('await-result', '--node', this.node, '--entry', entryArg(entry.id)));
    this.assertBuilt(out, entry, buildNumber);
    const done = parseBuildAnswer(this.node, buildNumber, out.stdout, this.transport.commandTimeoutSeconds);
    const remoteResults = this.remote.resultsPath(this.node, entry.id);
    const listing = await this.ssh.run(['find', remoteResults, '-mindepth', '1', '-printf', '%y %s %P\\n']);
    if (listing.exitCode !== 0) throw new SpoolError('failed', `listing the results of build ${buildNumber} on ${this.node} failed: ${listing.stderr.trim()}`);
    const listed = parseResultListing(this.node, listing.stdout, this.transport.resultsMaxBytes);
    ensureDirInside(this.main.layout.root, this.main.layout.tmpDir);
    const staging = tempPath(this.main.layout.tmpDir, 'fetch');
    let fetched: NodeBuild;
    try {
      // scp makes the directory; a crash leaves it in tmp/ for the reaper.
      await this.ssh.getDir(remoteResults, staging, Math.max(0, ...listed.map((f) => f.size)));
      fetched = this.accept(staging, entry, buildNumber, done, listed);
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
    await this.ssh.check(['rm', '-rf', '--', remoteResults]);
    return fetched;
  }

  /** The node's status for a build: anything but 0 is an error saying whose doing it is. */
  private assertBuilt(out: RemoteResult, entry: Entry, buildNumber: BuildNumber): void {
    if (out.exitCode === EXIT_CODES.unreachable) {
      // A node without its agent or its chroot counts towards its health; a mirror down does not.
      if (this.config.agent) throw new NodeUnreachableError(this.node, `node ${this.node} has no watch agent running: ${out.stderr.trim()}`);
      if (errorType(out.stdout) === 'ChrootMissingError') {
        throw new NodeUnreachableError(
          this.node,
          `node ${this.node} cannot build: it has no base chroot for ${entry.id.suite}/${entry.id.arch}: ${out.stderr.trim()}`,
        );
      }
      throw new SpoolError('unreachable', `${this.node} cannot reach its mirror: ${out.stderr.trim()}`);
    }
    if (out.exitCode > REMOTE_KILLED) {
      // The node answered (run() turns 255, a failed connection, into 'unreachable'); its
      // build was killed (the OOM killer, an operator): not the node's connectivity.
      throw new SpoolError('failed', `build ${buildNumber} on ${this.node} was killed by signal ${out.exitCode - REMOTE_KILLED}: ${out.stderr.trim()}`);
    }
    if (out.exitCode !== 0) throw new SpoolError('failed', `build ${buildNumber} on ${this.node} exited ${out.exitCode}: ${out.stderr.trim()}`);
  }

  /** Checks the copied results in staging against what main asked for and the node's signed link, then places them whole. */
  private accept(staging: string, entry: Entry, buildNumber: BuildNumber, done: BuildAnswer, listed: readonly ListedFile[]): NodeBuild {
    const fetched = this.main.layout.resultsPath(this.node, entry.id);
    const dscSha256 = entry.fields.get('Dsc-Sha256') ?? '';
    verifyFetchedResults(staging, { node: this.node, buildNumber, id: entry.id, dscSha256, status: done.status, listed });
    const { endorsed } = verifyBuildLink(
      staging,
      { id: entry.id, node: this.node, buildNumber, status: done.status, dscSha256 },
      pinnedKeys(this.main.layout, this.node),
    );
    if (endorsed) pinKeys(this.main.layout, this.node, [endorsed]); // the node rotated its key: the old one, pinned, vouches for it
    placeDirectory(this.main.layout, staging, fetched);
    return { id: entry.id, node: this.node, buildNumber, status: done.status, results: fetched, durationSeconds: done.durationSeconds };
  }
}
