/**
 * What a node says about itself (the seed's reproducible_info.sh): key=value lines that
 * main collects into reproducible-results/node-information/$NODE, and that the dashboard
 * compares between the nodes a job pairs (the "differences between 1st and 2nd build").
 */
import os from 'node:os';
import type { Clock } from '../clock.js';
import { hostArchitecture, osRelease } from '../debian/host.js';
import { outputOf } from '../process/run.js';
import { spoolStatus } from '../spool/inspect.js';
import { FIXED_STATES } from '../spool/layout.js';
import type { Spool } from '../spool/spool.js';
import type { ChrootTarball } from '../chroot/tarballs.js';

export type NodeInfo = Record<string, string>;

/** Keys are fixed (the dashboard's rows); values are single lines without '='-surprises. */
export function nodeInfo(clock: Clock): NodeInfo {
  const cpus = os.cpus();
  const info: NodeInfo = {
    ARCH: hostArchitecture(),
    NUM_CPU: String(cpus.length),
    CPU_MODEL: cpus[0]?.model ?? 'unknown',
    MEMORY_MB: String(Math.round(os.totalmem() / 1024 / 1024)),
    DATETIME: new Date(clock.now()).toISOString(),
    KERNEL: `${os.type()} ${os.release()} ${os.version()}`,
    TZ: Intl.DateTimeFormat().resolvedOptions().timeZone,
    LANG: process.env.LANG ?? '',
    HOSTNAME: os.hostname(),
    DISTRIBUTION: osRelease().PRETTY_NAME ?? '',
    DPKG_VERSION: outputOf('dpkg-query', ['-W', '-f', '${Version}', 'dpkg']),
    NODE_VERSION: process.version,
  };
  for (const [key, value] of Object.entries(info)) info[key] = value.replace(/[\r\n]+/g, ' ');
  return info;
}

/**
 * The node's own queue, for main's dashboard (main cannot read a remote spool): entries
 * waiting in its inbox, building, stale, and the age of the oldest build. SPOOL_ keys
 * describe the queue, not the build environment, so they are never compared as variations.
 */
export function spoolInfo(spool: Spool): NodeInfo {
  const status = spoolStatus(spool);
  const inbox = Object.entries(status.counts)
    .filter(([place]) => !(FIXED_STATES as readonly string[]).includes(place))
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    SPOOL_INBOX: String(inbox),
    SPOOL_PENDING: String(status.counts.pending ?? 0),
    SPOOL_STALE: String(status.stalePending),
    SPOOL_OLDEST_PENDING_SECONDS: status.oldestPendingMs === null ? '' : String(Math.round(status.oldestPendingMs / 1000)),
  };
}

/**
 * How this node builds: its builder, clock mode and base chroots (CHROOT_$SUITE_$ARCH =
 * when made and size), so the dashboard shows two nodes' chroots side by side: chroots
 * of different days explain builds that differ in Installed-Build-Depends.
 */
export function builderInfo(builder: string, clock: string, chroots: readonly ChrootTarball[]): NodeInfo {
  const info: NodeInfo = { BUILDER: builder, CLOCK_MODE: clock };
  for (const chroot of chroots) {
    info[`CHROOT_${chroot.suite}_${chroot.arch}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_')] =
      `${chroot.created.toISOString()} ${Math.round(chroot.bytes / 1e6)} MB`;
  }
  return info;
}

export function formatInfo(info: NodeInfo): string {
  return (
    Object.entries(info)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n') + '\n'
  );
}

export function parseInfo(text: string): NodeInfo {
  const info: NodeInfo = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && /^[A-Z][A-Z0-9_]*$/.test(line.slice(0, eq))) info[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return info;
}
