/**
 * The configuration's thresholds resolved once into one typed tree, in the units the code
 * uses (milliseconds, bytes), with the limits nobody configures beside them. Commands
 * resolve it when they start (cli/context.ts) and hand each module the branch it needs;
 * no module reads thresholds from the configuration itself. Defaults live in one place:
 * the schema (config.ts), in the units of the file (seconds).
 */
import type { Thresholds } from '../spool/spool.js';
import { type Config, ConfigSchema } from './config.js';
import { type SchedulerSettings, resolveScheduler } from './scheduler.js';
import { ALL_VARIED, type Varied } from '../builder/variations.js';
import { applySpec } from '../builder/variation-spec.js';

/** Downloads from the mirror: the Sources index, a .dsc, a source package's files. */
export interface DownloadSettings {
  /** No byte for this long (connecting included) aborts the attempt. */
  readonly idleTimeoutMs: number;
  /** One attempt taking longer than this from its request to its last byte is aborted. */
  readonly deadlineMs: number;
  readonly retries: number;
  readonly backoffMs: number;
  /** Refuse bodies larger than this: a Sources index is about 10 MB compressed. */
  readonly maxBytes: number;
  /** A .dsc larger than this is not a .dsc. */
  readonly dscMaxBytes: number;
}

export interface CatalogueSettings {
  /** `build PKG` imports the Sources index again for a package it lacks only if the catalogue is older than this. */
  readonly sourcesIndexMaxAgeMs: number;
  /** The archive comparison fetches the suite's Packages index again only once its copy is older than this. */
  readonly packagesIndexMaxAgeMs: number;
}

export interface DatabaseSettings {
  /** How long a writer waits for reproducible.db's lock before giving up with exit 4. */
  readonly waitMs: number;
  /** How often a waiting writer looks again. */
  readonly pollMs: number;
  /** PostgreSQL: a statement unanswered this long means a server that hangs; its connection is dropped and the transaction tried again. */
  readonly queryTimeoutMs: number;
}

export interface HistorySettings {
  /** `db fold` folds checks older than this into daily snapshots (each package's latest stays). */
  readonly foldAfterDays: number;
  /** `db backup` into $ROOT/backups keeps this many days of daily backups (and every first of a month). */
  readonly backupKeepDays: number;
}

export interface ArchiveSettings {
  /** An unreproducible package's latest check keeps its .debs this many days (diffoscope can run again). */
  readonly keepDebsDays: number;
  /** A check but a package's latest is removed after this many days. */
  readonly archiveKeepDays: number;
  /** A package gone from its suite/arch's catalogue loses its checks this many days after prune first saw it gone. */
  readonly goneGraceDays: number;
  /** An archive directory without a verdict file this old is a dead check's. */
  readonly abandonedMaxAgeMs: number;
}

export interface BuildSettings {
  readonly buildTimeoutMs: number;
  readonly diffoscopeTimeoutMs: number;
  readonly diffoscopeMaxReportBytes: number;
  /** mmdebstrap making a base chroot: about a minute here; an hour means a stuck mirror. */
  readonly chrootCreateTimeoutMs: number;
  /** What build 2 varies: every variation, changed by the `variations` key. */
  readonly varied: Varied;
  /** The most trial builds one explanation (explain) may run. */
  readonly explainMaxBuilds: number;
  /** A build skips apt's update while its base chroot is younger than this; 0: never skips. */
  readonly aptUpdateMaxAgeMs: number;
}

/** ssh to build nodes. */
export interface SshSettings {
  readonly connectTimeoutSeconds: number;
  /** Retries (with exponential backoff) of failed connections only, never of failed commands. */
  readonly retries: number;
  readonly backoffMs: number;
  /** Remote commands are wrapped in `timeout` so they end even if main dies: a build, plus the fetch and completion around it. */
  readonly commandTimeoutSeconds: number;
  /** What main fetches from a node for one build: more is refused before (as the node lists it) and after the copy. */
  readonly resultsMaxBytes: number;
  /** A remote command printing more than this on stdout is refused (its stderr is cut there): answers are a few lines of JSON. */
  readonly maxOutputBytes: number;
}

/** When main stops sending work to a node that keeps failing, and when it tries again. */
export interface HealthSettings {
  readonly offlineAfterFailures: number;
  readonly recheckMs: number;
  /** A node going offline or back is a notification event (only when a notify.command will deliver it). */
  readonly events?: boolean;
}

export interface NotifySettings {
  readonly command?: readonly string[];
  readonly regressionSuites: readonly string[];
  /** One run of the hook: past it, its process group is ended and the try failed. */
  readonly timeoutMs: number;
  readonly retries: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly keepDeliveredDays: number;
}

export interface PublishSettings {
  /** bzip2 -9 of one published file: about 10 s for 280,000 rows here. */
  readonly compressTimeoutMs: number;
}

/** The chokidar watchers of `status --watch`, `await-result` and `watch`: events are hints, a full rescan runs on a timer too. */
export interface WatchSettings {
  readonly rescanMs: number;
  readonly debounceMs: number;
  readonly parallelBuilds: number;
}

export interface Settings {
  readonly spool: Thresholds;
  readonly download: DownloadSettings;
  readonly catalogue: CatalogueSettings;
  readonly database: DatabaseSettings;
  readonly history: HistorySettings;
  readonly archive: ArchiveSettings;
  readonly build: BuildSettings;
  readonly ssh: SshSettings;
  readonly health: HealthSettings;
  readonly watch: WatchSettings;
  readonly scheduler: SchedulerSettings;
  readonly publish: PublishSettings;
  readonly notify: NotifySettings;
}

/** Not configurable: generous bounds that only a broken or hostile mirror reaches. */
const INDEX_MAX_BYTES = 64 * 1024 * 1024;
const DSC_MAX_BYTES = 1024 * 1024;
/** A writer waiting for reproducible.db's lock: the lock holder's group commit takes milliseconds. */
const DATABASE_POLL_MS = 10;
/** A remote build's command timeout covers the build plus what runs around it (fetch, completion). */
const REMOTE_MARGIN_SECONDS = 3600;
const CHROOT_CREATE_TIMEOUT_MS = 3600_000;
/** node-information's whole output stays well under this; a build's answer is one line. */
const REMOTE_OUTPUT_MAX_BYTES = 1024 * 1024;

const COMPRESS_TIMEOUT_MS = 600_000;

const ms = (seconds: number) => Math.round(seconds * 1000);

export function resolveSettings(config: Config): Settings {
  const t = config.thresholds;
  return {
    spool: {
      lockStaleMs: ms(t.lockStaleSeconds),
      lockUpdateMs: ms(t.lockUpdateSeconds),
      maxBuildMs: ms(t.maxBuildSeconds),
      maxAttempts: t.maxAttempts,
      killGraceMs: ms(t.killGraceSeconds),
      tmpMaxAgeMs: ms(t.tmpMaxAgeSeconds),
      abandonedMaxAgeMs: ms(t.abandonedMaxAgeSeconds),
    },
    download: {
      idleTimeoutMs: ms(t.downloadIdleTimeoutSeconds),
      deadlineMs: ms(t.downloadDeadlineSeconds),
      retries: t.downloadRetries,
      backoffMs: ms(t.downloadBackoffSeconds),
      maxBytes: INDEX_MAX_BYTES,
      dscMaxBytes: DSC_MAX_BYTES,
    },
    catalogue: { sourcesIndexMaxAgeMs: ms(t.sourcesIndexMaxAgeSeconds), packagesIndexMaxAgeMs: ms(t.packagesIndexMaxAgeSeconds) },
    database: { waitMs: ms(t.databaseWaitSeconds), pollMs: DATABASE_POLL_MS, queryTimeoutMs: ms(t.databaseQueryTimeoutSeconds) },
    history: { foldAfterDays: t.historyFoldAfterDays, backupKeepDays: t.backupKeepDays },
    archive: {
      keepDebsDays: t.keepDebsDays,
      archiveKeepDays: t.archiveKeepDays,
      goneGraceDays: t.goneGraceDays,
      abandonedMaxAgeMs: ms(t.abandonedMaxAgeSeconds),
    },
    build: {
      buildTimeoutMs: ms(t.buildTimeoutSeconds),
      diffoscopeTimeoutMs: ms(t.diffoscopeTimeoutSeconds),
      diffoscopeMaxReportBytes: t.diffoscopeMaxReportBytes,
      chrootCreateTimeoutMs: CHROOT_CREATE_TIMEOUT_MS,
      varied: config.variations === undefined ? ALL_VARIED : applySpec(ALL_VARIED, config.variations, 'variations'),
      explainMaxBuilds: t.explainMaxBuilds,
      aptUpdateMaxAgeMs: ms(t.aptUpdateMaxAgeSeconds),
    },
    ssh: {
      connectTimeoutSeconds: t.sshConnectTimeoutSeconds,
      retries: t.sshRetries,
      backoffMs: ms(t.sshBackoffSeconds),
      commandTimeoutSeconds: t.buildTimeoutSeconds + REMOTE_MARGIN_SECONDS,
      maxOutputBytes: REMOTE_OUTPUT_MAX_BYTES,
      resultsMaxBytes: t.resultsMaxBytes,
    },
    health: { offlineAfterFailures: t.nodeOfflineAfterFailures, recheckMs: ms(t.nodeRecheckSeconds), events: config.notify.command !== undefined },
    watch: { rescanMs: ms(t.watchRescanSeconds), debounceMs: ms(t.watchDebounceSeconds), parallelBuilds: t.watchParallelBuilds },
    scheduler: resolveScheduler(config.scheduler),
    publish: { compressTimeoutMs: COMPRESS_TIMEOUT_MS },
    notify: {
      command: config.notify.command,
      regressionSuites: config.notify.regressionSuites,
      timeoutMs: ms(t.notifyTimeoutSeconds),
      retries: t.notifyRetries,
      backoffMs: ms(t.notifyBackoffSeconds),
      maxBackoffMs: ms(t.notifyMaxBackoffSeconds),
      keepDeliveredDays: t.notifyKeepDeliveredDays,
    },
  };
}

/** The settings of an empty configuration: every default. */
export const DEFAULT_SETTINGS: Settings = resolveSettings(ConfigSchema.parse({}));
