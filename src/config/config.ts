/**
 * The one configuration file (JSON), validated with zod so that a typo names the key
 * and the bad value instead of silently falling back to a default. Every threshold has
 * a documented default (README.md, "Configuration"), given here in the file's units;
 * settings.ts resolves them into the units the code uses.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CONTROL_CHARACTERS, SpoolError, errnoCode } from '../errors.js';
import { isName } from '../spool/names.js';
import { BUILDERS, CLOCK_MODES } from '../builder/modes.js';
import { ALL_VARIED } from '../builder/variations.js';
import { applySpec } from '../builder/variation-spec.js';
import { SchedulerSchema } from './scheduler.js';

/** The embedded default: a spool under ./var, for a local check without any setup. */
export const EMBEDDED_ROOT = 'var/workspace';

/**
 * Every threshold has a sane range: a typo such as 1e308 is refused (exit 2, key and value
 * named), and no duration exceeds what a Node timer can hold (2^31 ms, about 24.8 days).
 */
const MAX_SECONDS = 7 * 24 * 3600;
const seconds = (fallback: number) => z.number().positive().max(MAX_SECONDS).default(fallback);
const count = (fallback: number, min: number, max: number) => z.number().int().min(min).max(max).default(fallback);
const nodeName = z.string().refine((value) => isName('node', value), {
  message: "expected a node name: lowercase letters, digits, '-' and '.', not a reserved state name",
});

const httpUrl = z.string().refine((value) => /^https?:\/\/[^\s'"\\]+$/.test(value), { message: 'expected an http:// or https:// URL' });

const archName = z.string().refine((value) => isName('architecture', value), { message: 'expected an architecture name' });
const jobName = z.string().refine((value) => /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(value), {
  message: "expected a job name: letters, digits, '_', '-' and '.', at most 100 characters",
});
/** Host names and users reach ssh as arguments, never through a shell; still, only plain ones are accepted. */
const hostName = z.string().refine((value) => /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})$/.test(value) && !value.includes('..'), {
  message: 'expected a host name or IP address',
});
const userName = z.string().refine((value) => /^[a-z_][a-z0-9_-]{0,31}$/.test(value), { message: 'expected a POSIX user name' });
const absolutePath = z.string().refine((value) => value.startsWith('/') && !value.split('/').includes('..') && !CONTROL_CHARACTERS.test(value), {
  message: "expected an absolute path without '..' or control characters",
});
/** A word of the command a node runs: quoted wherever it goes, but a newline would still split a rendered crontab line. */
const commandWord = z
  .string()
  .min(1)
  .refine((value) => !CONTROL_CHARACTERS.test(value), { message: 'expected a command word without newlines or control characters' });

/** One apt source line for the build chroots (e.g. an archive of patched toolchain packages). */
const aptSourceLine = z
  .string()
  .refine((value) => /^deb (\[[A-Za-z0-9=,._:/ -]*\] )?https?:\/\/[A-Za-z0-9._~:/@%+-]+ [A-Za-z0-9._/-]+( [A-Za-z0-9._-]+)*$/.test(value), {
    message: 'expected an apt source line: deb [options] http://… SUITE COMPONENT…',
  });

const ChrootsSchema = z
  .object({
    /** Where the base chroot tarballs live ($SUITE-$ARCH.tar); default $ROOT/chroots. */
    dir: z.string().min(1).optional(),
    /** Mirror the chroots are made from and install build dependencies from; default: "mirror", else the apt sources. */
    mirror: httpUrl.optional(),
    /** Extra apt sources inside every build chroot, for build dependencies. */
    extraRepositories: z.array(aptSourceLine).default([]),
    /** Where each build's throw-away copy of the chroot is unpacked; default /dev/shm when it is a tmpfs, else the build's directory. */
    unpackDir: absolutePath.optional(),
    /** Setup work nobody reads is skipped while build dependencies are installed (dpkg's fsyncs, man-db's index); false: as sbuild does it. */
    quickSetup: z.boolean().default(true),
  })
  .strict();

const NodeSchema = z
  .object({
    host: hostName,
    port: z.number().int().min(1).max(65535).default(22),
    user: userName.optional(),
    identityFile: absolutePath.optional(),
    knownHostsFile: absolutePath.optional(),
    /** The node's spool root. */
    root: absolutePath.default('/srv/workspace'),
    arch: archName,
    /** How the node runs repro-spool (an absolute path; default: repro-spool on its PATH). */
    command: z.array(commandWord).min(1).default(['repro-spool']),
    /** The node runs `repro-spool watch`: jobs ship entries and await the agent's result instead of starting builds over ssh. */
    agent: z.boolean().default(false),
    /** How this node varies the clock when it runs build 2 (main writes it into the entry as Clock). */
    clock: z.enum(CLOCK_MODES).optional(),
  })
  .strict();

const JobSchema = z
  .object({
    name: jobName,
    arch: archName,
    node1: nodeName,
    node2: nodeName,
  })
  .strict();

export type NodeConfig = z.infer<typeof NodeSchema>;
export type JobConfig = z.infer<typeof JobSchema>;

export const ConfigSchema = z
  .object({
    root: z.string().min(1).optional(),
    node: nodeName.optional(),
    /** Debian mirror for sources; default: derived from the system's apt sources. */
    mirror: httpUrl.optional(),
    /** The keyring the mirror's InRelease must verify with (gpgv); relative to this file. */
    mirrorKeyring: z.string().min(1).default('/usr/share/keyrings/debian-archive-keyring.gpg'),
    /** A mirror serving no InRelease is refused (exit 5) instead of used unverified. */
    requireSignedIndex: z.boolean().default(false),
    /** Compare each check's build 1 .debs with the archive's in the suite's Packages index on the mirror (src/archive/versus-archive.ts). */
    compareWithArchive: z.boolean().default(true),
    /** Suites this installation tests; the first is the default of commands. Default: this system's own. */
    suites: z
      .array(z.string().refine((v) => isName('suite', v), { message: 'expected a suite name' }))
      .min(1)
      .optional(),
    /** Build nodes by name, as jobs and `build NODE1 NODE2` refer to them. */
    nodes: z.record(nodeName, NodeSchema).default({}),
    /** Jenkins jobs: each builds packages of its arch on node1 then node2. */
    jobs: z.array(JobSchema).default([]),
    /** What runs a single build: sbuild in a throw-away chroot (the default), or "host" (development only: no isolation, the host's packages decide). */
    builder: z.enum(BUILDERS).default('sbuild'),
    /** How this machine varies the clock of build 2 (the local check, or a node whose entry says nothing). */
    clock: z.enum(CLOCK_MODES).default('faketime'),
    /** What build 2 varies, as a change of "all of them": "-disorderfs,-cpus" or "=clock,build-path" (README.md, "Choosing variations"). */
    variations: z
      .string()
      .superRefine((spec, ctx) => {
        try {
          applySpec(ALL_VARIED, spec, 'variations');
        } catch (error) {
          if (!(error instanceof SpoolError)) throw error;
          ctx.addIssue({ code: 'custom', message: error.message });
        }
      })
      .optional(),
    /** The base chroots of the sbuild builder. */
    chroots: ChrootsSchema.prefault({}),
    /** reproducible.db; default: $ROOT/reproducible.db. */
    database: z.string().min(1).optional(),
    /** Packages never built ("PKG [SUITE/ARCH ...] # reason" per line); default: $ROOT/blacklist. */
    blacklist: z.string().min(1).optional(),
    /** export json: where the published files go and which suite the tracker file covers. */
    publish: z
      .object({
        /** Default: the dashboard's directory ($ROOT/dashboard), which links them; relative to this file. */
        dir: z.string().min(1).optional(),
        /** The suite of reproducible-tracker.json (the original: testing); default: the first of "suites". */
        trackerSuite: z
          .string()
          .refine((v) => isName('suite', v), { message: 'expected a suite name' })
          .optional(),
      })
      .strict()
      .prefault({}),
    /** Notifications: events spooled under $ROOT/events/ and delivered by notify.command (README.md, "Notifications"). */
    notify: z
      .object({
        /** The hook, run without a shell with the event as JSON on stdin; none: events wait in events/pending/. */
        command: z.array(commandWord).min(1).optional(),
        /** Suites whose regressions are events (the original: unstable only). */
        regressionSuites: z.array(z.string().refine((v) => isName('suite', v), { message: 'expected a suite name' })).default(['unstable']),
        /** Maintainers' opt-in to the daily digest ("PKG ADDRESS…" per line); default: $ROOT/notify-subscriptions; relative to this file. */
        subscriptions: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    /** schedule --auto: queue caps, re-test and retry ages, per-category limits per run. */
    scheduler: SchedulerSchema.prefault({}),
    thresholds: z
      .object({
        lockStaleSeconds: seconds(60),
        lockUpdateSeconds: seconds(15),
        maxBuildSeconds: seconds(18 * 3600),
        maxAttempts: count(3, 1, 100),
        killGraceSeconds: seconds(10),
        tmpMaxAgeSeconds: seconds(24 * 3600),
        abandonedMaxAgeSeconds: seconds(2 * 24 * 3600),
        downloadIdleTimeoutSeconds: seconds(30),
        downloadRetries: count(3, 0, 20),
        downloadBackoffSeconds: seconds(2),
        databaseWaitSeconds: seconds(120),
        databaseQueryTimeoutSeconds: seconds(600),
        sourcesIndexMaxAgeSeconds: seconds(6 * 3600),
        // The archive comparison's Packages index is fetched again once it is older than this.
        packagesIndexMaxAgeSeconds: seconds(6 * 3600),
        // A build skips apt's update of its chroot copy while the base chroot is younger than this
        // (the daily `chroot update` refreshes it); 0: every build updates.
        aptUpdateMaxAgeSeconds: z
          .number()
          .min(0)
          .max(MAX_SECONDS)
          .default(26 * 3600),
        buildTimeoutSeconds: seconds(16 * 3600), // below maxBuildSeconds: a longer build is the reaper's
        diffoscopeTimeoutSeconds: seconds(1800),
        diffoscopeMaxReportBytes: count(40 * 1024 * 1024, 1024, 1 << 30),
        // explain: the most trial builds one explanation runs (one culprit of 17 takes about 6).
        explainMaxBuilds: count(24, 1, 200),
        // What main takes from a node for one build (its .debs, .buildinfo, log): more is refused unread.
        resultsMaxBytes: count(16 * 1024 ** 3, 1024 * 1024, 1024 ** 4),
        // One download from start to end, beside the idle timeout: a server trickling a byte a second ends here.
        downloadDeadlineSeconds: seconds(3600),
        sshConnectTimeoutSeconds: seconds(10),
        sshRetries: count(2, 0, 20),
        sshBackoffSeconds: seconds(2),
        nodeOfflineAfterFailures: count(3, 1, 1000),
        nodeRecheckSeconds: seconds(900),
        watchRescanSeconds: seconds(30),
        watchDebounceSeconds: seconds(0.1),
        watchParallelBuilds: count(1, 1, 64),
        historyFoldAfterDays: count(365, 1, 36_500),
        backupKeepDays: count(30, 1, 36_500),
        // archive prune: an unreproducible package's latest check keeps its .debs this long; any check but a package's latest goes after archiveKeepDays.
        keepDebsDays: count(30, 0, 36_500),
        archiveKeepDays: count(365, 1, 36_500),
        // archive prune: a package gone from its suite/arch's catalogue keeps its checks this long (a removal may be undone).
        goneGraceDays: count(30, 0, 36_500),
        // notify deliver: one run of the hook, its tries within a run, the first backoff (doubled, up to notifyMaxBackoffSeconds across runs).
        notifyTimeoutSeconds: seconds(60),
        notifyRetries: count(2, 0, 20),
        notifyBackoffSeconds: seconds(5),
        notifyMaxBackoffSeconds: seconds(3600),
        notifyKeepDeliveredDays: count(7, 1, 36_500),
      })
      .strict()
      .refine((t) => t.lockUpdateSeconds * 2 <= t.lockStaleSeconds, {
        message: 'lockUpdateSeconds must be at most half of lockStaleSeconds, or live locks look stale',
      })
      .prefault({}),
  })
  .strict()
  .superRefine((config, context) => {
    const names = new Set<string>();
    config.jobs.forEach((job, index) => {
      if (names.has(job.name)) context.addIssue({ code: 'custom', path: ['jobs', index, 'name'], message: `job name ${job.name} is used twice` });
      names.add(job.name);
      for (const key of ['node1', 'node2'] as const) {
        const node = config.nodes[job[key]];
        if (!node) context.addIssue({ code: 'custom', path: ['jobs', index, key], message: `no node ${JSON.stringify(job[key])} in "nodes"` });
        else if (node.arch !== job.arch)
          context.addIssue({ code: 'custom', path: ['jobs', index, key], message: `node ${job[key]} builds ${node.arch}, the job ${job.arch}` });
      }
      if (job.node1 === job.node2)
        context.addIssue({ code: 'custom', path: ['jobs', index, 'node2'], message: 'node1 and node2 must differ: the point is two different builders' });
    });
  });

export type Config = z.infer<typeof ConfigSchema>;

export interface LoadedConfig {
  readonly config: Config;
  /** Directory relative paths in the file are resolved against. */
  readonly baseDir: string;
  readonly source: string;
}

export function loadConfig(file: string | undefined): LoadedConfig {
  if (file === undefined) return { config: ConfigSchema.parse({}), baseDir: process.cwd(), source: '(embedded default)' };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') throw new SpoolError('usage', `configuration file ${JSON.stringify(file)} does not exist`);
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new SpoolError('usage', `configuration file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = issue.path.join('.') || '(top level)';
      const value = valueAt(raw, issue.path);
      return `${key}${value === undefined ? '' : ` = ${JSON.stringify(value)}`}: ${issue.message}`;
    });
    throw new SpoolError('usage', `configuration file ${file} is invalid:\n  ${problems.join('\n  ')}`);
  }
  return { config: parsed.data, baseDir: path.dirname(path.resolve(file)), source: path.resolve(file) };
}

function valueAt(raw: unknown, keys: ReadonlyArray<PropertyKey>): unknown {
  let value = raw;
  for (const key of keys) value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return typeof value === 'object' ? undefined : value;
}

/** The architectures the configured jobs build, else the fallback (this machine's, for the local check). */
export function builtArchitectures(config: Config, fallback: string): string[] {
  const arches = [...new Set(config.jobs.map((job) => job.arch))];
  return arches.length > 0 ? arches.sort() : [fallback];
}

/** --root, then REPRO_SPOOL_ROOT, then the file's root (relative to the file), then ./var/workspace. */
export function resolveRoot(flag: string | undefined, loaded: LoadedConfig): string {
  if (flag) return path.resolve(flag);
  if (process.env.REPRO_SPOOL_ROOT) return path.resolve(process.env.REPRO_SPOOL_ROOT);
  if (loaded.config.root) return path.resolve(loaded.baseDir, loaded.config.root);
  return path.resolve(EMBEDDED_ROOT);
}
