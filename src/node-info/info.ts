/**
 * What a node says about itself (the seed's reproducible_info.sh): key=value lines that
 * main collects into reproducible-results/node-information/$NODE, and that the dashboard
 * compares between the nodes a job pairs (the "differences between 1st and 2nd build").
 */
import fs from 'node:fs';
import os from 'node:os';
import type { Clock } from '../clock.js';
import { CONTROL_CHARACTERS, NodeIntegrityError, quoteValue } from '../errors.js';
import { hostArchitecture, osRelease } from '../debian/host.js';
import { outputOf } from '../process/run.js';
import { spoolStatus } from '../spool/inspect.js';
import { FIXED_STATES } from '../spool/layout.js';
import type { Spool } from '../spool/spool.js';
import type { ChrootTarball } from '../chroot/tarballs.js';
import { KeyDir } from '../trust/keys.js';

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
 * The keys this node signs its builds with (made now if it has none), for main to pin
 * (`keys pin`): SIGNING_KEY its current public key, SIGNING_KEYS_PREVIOUS those it
 * rotated away from, as hex. They identify the node, not its build environment, so they
 * are never compared as variations either.
 */
export function signingInfo(spool: Spool): NodeInfo {
  if (!fs.existsSync(spool.layout.root)) return {}; // no spool yet (before `init`): nothing signed, nothing to pin
  const keys = new KeyDir(spool.layout);
  return {
    [SIGNING_KEY_INFO]: keys.signingKey().public,
    [PREVIOUS_KEYS_INFO]: keys
      .previous()
      .map((k) => k.public)
      .join(' '),
  };
}

export const SIGNING_KEY_INFO = 'SIGNING_KEY';
export const PREVIOUS_KEYS_INFO = 'SIGNING_KEYS_PREVIOUS';

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

/** A node's information is a few dozen short facts: more, or longer, is not information. */
export const NODE_INFO_MAX_KEYS = 200;
export const NODE_INFO_MAX_VALUE_CHARS = 1024;
const INFO_KEY = /^[A-Z][A-Z0-9_]{0,63}$/;

/**
 * What `repro-spool info --json` printed on a node, checked before main keeps it: an object
 * of at most NODE_INFO_MAX_KEYS keys [A-Z][A-Z0-9_]*, each a one-line string (a newline
 * would inject KEY=value lines into node-information/$NODE). NodeIntegrityError otherwise.
 */
export function parseNodeInfoAnswer(node: string, stdout: string): NodeInfo {
  const refuse = (why: string) => new NodeIntegrityError(node, `node ${node}'s information ${why}; nothing of it was kept`);
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    throw refuse(`is not JSON (a banner from a shell startup file?): ${quoteValue(stdout.slice(0, 200))}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw refuse('is not a JSON object of KEY: "value"');
  const entries = Object.entries(json);
  if (entries.length > NODE_INFO_MAX_KEYS) throw refuse(`has ${entries.length} keys: expected at most ${NODE_INFO_MAX_KEYS}`);
  const info: NodeInfo = {};
  for (const [key, value] of entries) {
    if (!INFO_KEY.test(key)) throw refuse(`has the key ${quoteValue(key.slice(0, 100))}: expected [A-Z][A-Z0-9_]*, at most 64 characters`);
    if (typeof value !== 'string') throw refuse(`has ${key} = ${JSON.stringify(value)?.slice(0, 100) ?? typeof value}: expected a string`);
    if (CONTROL_CHARACTERS.test(value)) throw refuse(`has ${key} = ${quoteValue(value.slice(0, 100))}: expected one line without control characters`);
    if (value.length > NODE_INFO_MAX_VALUE_CHARS) throw refuse(`has ${key} of ${value.length} characters: expected at most ${NODE_INFO_MAX_VALUE_CHARS}`);
    info[key] = value;
  }
  return info;
}
