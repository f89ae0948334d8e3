/** Turns the global options (--root, --config, --json) into an open spool and an output. */
import { hostArchitecture, osRelease } from '../debian/host.js';
import { type Blacklist, loadBlacklist } from '../schedule/blacklist.js';
import fs from 'node:fs';
import os from 'node:os';
import { validateText } from '../schedule/place.js';
import path from 'node:path';
import { type Subscriptions, loadSubscriptions } from '../notify/subscriptions.js';
import type { VerdictEventSettings } from '../notify/verdict-events.js';
import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { loadConfig, resolveRoot, type Config } from '../config/config.js';
import { type Settings, resolveSettings } from '../config/settings.js';
import { mirrorFromApt, readAptSources } from '../debian/apt-sources.js';
import type { Store, StoreSettings } from '../store/store.js';
import type { ChrootSettings } from '../builder/build-node.js';
import { SpoolError, quoteValue } from '../errors.js';
import type { IndexTrust } from '../schedule/index-fetch.js';
import { entryId, type EntryId } from '../spool/identity.js';
import { validateName } from '../spool/names.js';
import { SPOOL_MARKER, type SpoolRole, assertSpoolRoot, describeRole, initSpoolRoot, readSpoolRole } from '../spool/root.js';
import { type Spool, openSpool } from '../spool/spool.js';
import { type Output, makeOutput } from './output.js';

export interface GlobalOptions {
  root?: string;
  config?: string;
  json?: boolean;
}

export interface CommandContext {
  readonly spool: Spool;
  readonly config: Config;
  /** The configuration's thresholds, resolved once. */
  readonly settings: Settings;
  readonly out: Output;
  /** Where relative paths of the configuration file are resolved. */
  readonly configDir: string;
  /** Whose spool this is, as its marker records (undefined: not recorded). */
  readonly role: SpoolRole | undefined;
}

/**
 * What a command needs of its root: an existing spool (the default), one it may make
 * (init, the local build, chroot setup, a node's exchange), or none at all (jobs render, info, forget on a
 * node that never received anything).
 */
export type RootUse = 'spool' | 'create' | 'any';

export function contextOf(command: Command, use: RootUse = 'spool'): CommandContext {
  const options = command.optsWithGlobals() as GlobalOptions;
  const loaded = loadConfig(options.config ?? process.env.REPRO_SPOOL_CONFIG);
  const given = resolveRoot(options.root, loaded);
  // The root, or (not made yet) its nearest existing ancestor, must be a directory: below a file every call would fail with ENOTDIR.
  let existing = given;
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  if (!fs.statSync(existing).isDirectory()) {
    throw new SpoolError(
      'usage',
      existing === given
        ? `spool root ${JSON.stringify(given)} is not a directory`
        : `spool root ${JSON.stringify(given)} lies below ${JSON.stringify(existing)}, which is not a directory`,
    );
  }
  if (use === 'spool') assertSpoolRoot(given);
  if (use === 'create') initSpoolRoot(given, new Date());
  // The root itself may be a symlink (/srv/workspace → /data/…); below it, none may be.
  const root = fs.existsSync(given) ? fs.realpathSync(given) : given;
  const settings = resolveSettings(loaded.config);
  return {
    spool: openSpool(root, settings.spool),
    config: loaded.config,
    settings,
    out: makeOutput(options.json ?? false),
    configDir: loaded.baseDir,
    role: use === 'any' && !fs.existsSync(root) ? undefined : readSpoolRole(root),
  };
}

/**
 * reproducible.db: the configuration's "database", a postgresql:// URL or a path (relative
 * to the configuration's file), else $ROOT/reproducible.db.
 */
export async function storeOf(ctx: CommandContext): Promise<Store> {
  const { openStore, isPostgresUrl } = await import('../store/store.js'); // sql.js and pg load only for commands that use the database
  const database = ctx.config.database;
  const location = database
    ? isPostgresUrl(database)
      ? database
      : path.resolve(ctx.configDir, database)
    : path.join(ctx.spool.layout.root, 'reproducible.db');
  return openStore(location, storeSettingsOf(ctx));
}

/** How a store waits and locks, from the spool's thresholds and the database settings. */
export function storeSettingsOf(ctx: CommandContext): StoreSettings {
  const { lockStaleMs, lockUpdateMs } = ctx.spool.thresholds;
  return { lockStaleMs, lockUpdateMs, ...ctx.settings.database };
}

/** The blacklist: the configuration's "blacklist" (relative to its file), else $ROOT/blacklist; missing is empty. */
export function blacklistOf(ctx: CommandContext): Blacklist {
  return loadBlacklist(ctx.config.blacklist ? path.resolve(ctx.configDir, ctx.config.blacklist) : path.join(ctx.spool.layout.root, 'blacklist'));
}

/** The configured mirror, else one derived from the system's apt sources for this suite; undefined if neither names one. */
export function knownMirrorOf(ctx: CommandContext, suite: string): string | undefined {
  return (ctx.config.mirror ?? mirrorFromApt(readAptSources(), suite))?.replace(/\/+$/, '');
}

/** How the mirror's Sources index must be verified: the keyring (relative to the configuration's file) and whether unsigned is refused. */
export function indexTrustOf(ctx: CommandContext): IndexTrust {
  return { keyring: path.resolve(ctx.configDir, ctx.config.mirrorKeyring), required: ctx.config.requireSignedIndex };
}

/** The mirror of this suite, which the command cannot do without. */
export function mirrorOf(ctx: CommandContext, suite: string): string {
  const mirror = knownMirrorOf(ctx, suite);
  if (!mirror) {
    throw new SpoolError('usage', `no mirror for ${suite}: set "mirror" in the configuration, or add a deb or deb-src line for ${suite} to the apt sources`);
  }
  return mirror;
}

/** --suite, else the configuration's first suite, else this system's own (VERSION_CODENAME of /etc/os-release). */
export function suiteOf(ctx: CommandContext, flag: string | undefined): string {
  const suite = flag ?? ctx.config.suites?.[0] ?? (osRelease().VERSION_CODENAME || undefined);
  if (!suite) throw new SpoolError('usage', 'no suite: pass --suite, or set "suites" in the configuration');
  return validateName('suite', suite);
}

/** Where the dashboard and the published files go: --out, else "publish.dir" (relative to the configuration file), else $ROOT/dashboard. */
export function publishDirOf(ctx: CommandContext, flag: string | undefined): string {
  if (flag) return path.resolve(flag);
  const configured = ctx.config.publish.dir;
  return configured ? path.resolve(ctx.configDir, configured) : path.join(ctx.spool.layout.root, 'dashboard');
}

/** The maintainers' opt-in to digests: "notify.subscriptions" (relative to the configuration file), else $ROOT/notify-subscriptions. */
export function subscriptionsOf(ctx: CommandContext): Subscriptions {
  const configured = ctx.config.notify.subscriptions;
  return loadSubscriptions(configured ? path.resolve(ctx.configDir, configured) : path.join(ctx.spool.layout.root, 'notify-subscriptions'));
}

/** What a check spools as notification events; undefined (none) when no notify.command would deliver them. */
export function verdictEventsOf(ctx: CommandContext): VerdictEventSettings | undefined {
  if (!ctx.settings.notify.command) return undefined;
  return { regressionSuites: ctx.settings.notify.regressionSuites, subscriptions: subscriptionsOf(ctx) };
}

/** --arch, else this machine's dpkg architecture. */
export function archOf(flag: string | undefined): string {
  return validateName('architecture', flag ?? hostArchitecture());
}

/** The base chroots: where they are, what each build adds to them, where it unpacks them. */
export function chrootSettingsOf(ctx: CommandContext): ChrootSettings {
  const c = ctx.config.chroots;
  const dir = c.dir ? path.resolve(ctx.configDir, c.dir) : path.join(ctx.spool.layout.root, 'chroots');
  return {
    dir,
    extraRepositories: c.extraRepositories,
    // Outside the spool: the build namespace's root is an "other" on the host, and a spool in a
    // 0700 home (Debian's default) is closed to it. /dev/shm is a tmpfs; /tmp is 1777.
    unpackDir: c.unpackDir ?? (isWritableTmpfs('/dev/shm') ? '/dev/shm' : os.tmpdir()),
    // The cache's private copies must belong to the build namespace's root: only root can hand them over.
    aptCache: process.getuid?.() === 0 ? path.join(dir, 'apt-cache') : undefined,
    aptUpdateMaxAgeMs: ctx.settings.build.aptUpdateMaxAgeMs,
    quickSetup: c.quickSetup,
  };
}

/** The mirror the chroots of suite are made from: the chroots' own, else the sources' one. */
export function chrootMirrorOf(ctx: CommandContext, suite: string): string {
  return ctx.config.chroots.mirror?.replace(/\/+$/, '') ?? mirrorOf(ctx, suite);
}

const TMPFS_MAGIC = 0x01021994;

/** Unpacking a 450 MB chroot takes ~1 s on a tmpfs and 10–20 s on this kind of disk. */
function isWritableTmpfs(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return fs.statfsSync(dir).type === TMPFS_MAGIC;
  } catch {
    return false; // no such directory, or not ours to write: unpack in the temporary directory
  }
}

/** Who asks for a manual request: --requester, else the user who called sudo, else this user. */
export function requesterOf(flag: string | undefined): string {
  return validateText('requester', flag ?? (process.env.SUDO_USER || process.env.USER || os.userInfo().username));
}

/** The node a command is told it runs on, unchecked: --node, then REPRO_SPOOL_NODE, then the configuration's "node". */
export function givenNodeName(flag: string | undefined, config: Config): string | undefined {
  return flag ?? process.env.REPRO_SPOOL_NODE ?? config.node;
}

/**
 * This node's name when this spool is a node's, main's undefined: the role `init` recorded
 * in the spool's marker, else --node, REPRO_SPOOL_NODE or the configuration's "node". A
 * name given that contradicts the recorded role is refused (exit 2).
 */
export function thisNodeOf(flag: string | undefined, ctx: Pick<CommandContext, 'config' | 'role' | 'spool'>): string | undefined {
  const given = givenNodeName(flag, ctx.config);
  const source = flag !== undefined ? '--node' : process.env.REPRO_SPOOL_NODE !== undefined ? 'REPRO_SPOOL_NODE' : 'the configuration\'s "node"';
  const { role } = ctx;
  if (role && given !== undefined && (role.kind === 'main' || role.node !== given)) {
    throw new SpoolError(
      'usage',
      `${ctx.spool.layout.root} is the spool of ${describeRole(role)} (its ${SPOOL_MARKER} says so), but ${source} says ${quoteValue(given)}`,
    );
  }
  if (role) return role.kind === 'node' ? role.node : undefined;
  return given === undefined ? undefined : validateName('node', given);
}

/** This node's name, for commands only a node runs (build 1|2, claim, watch…). */
export function nodeName(flag: string | undefined, ctx: Pick<CommandContext, 'config' | 'role' | 'spool'>): string {
  const node = thisNodeOf(flag, ctx);
  if (node !== undefined) return node;
  if (ctx.role?.kind === 'main') throw new SpoolError('usage', `${ctx.spool.layout.root} is main's spool: this command runs on a build node's spool`);
  throw new SpoolError('usage', 'no node name: pass --node NAME, set REPRO_SPOOL_NODE, set "node" in the configuration, or `init --node NAME` the spool');
}

export interface IdOptions {
  suite: string;
  arch: string;
}

/** PKG VERSION positionals plus --suite/--arch, all validated before any file is touched. */
export function idFrom(pkg: string, version: string, options: IdOptions): EntryId {
  return entryId(options.suite, options.arch, pkg, version);
}

export function optionalName(kind: 'suite' | 'architecture', value: string | undefined): string | undefined {
  return value === undefined ? undefined : validateName(kind, value);
}
