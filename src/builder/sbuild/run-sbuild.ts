/**
 * One single build with sbuild in unshare mode: a fresh copy of the suite's base chroot
 * is unpacked (into `scratch`), the build dependencies are installed in it from the
 * archive (network on), and dpkg-buildpackage runs through the wrapper as the build user
 * with no network (sbuild gives the build its own network namespace with only lo). Every
 * id inside maps to a subordinate id on the host: nothing of the build runs as host root.
 *
 * sbuild runs dpkg-buildpackage in a session of its own (setsid), out of reach of our
 * process group. When we may (as root), sbuild therefore runs as the first process of a
 * PID namespace of its own (unshare --pid --kill-child): ending our group kills it, and
 * with it everything in the namespace, the setsid'd build included.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ChrootTarball } from '../../chroot/tarballs.js';
import { SpoolError } from '../../errors.js';
import { followLog } from '../log-follower.js';
import { type GroupResult, type Spawner, runInGroup } from '../../process/group.js';
import type { BuildProfile } from '../variations.js';
import { harvestAptArchives, seedAptArchives } from './apt-cache.js';
import { sbuildConfig } from './config-file.js';
import { type SbuildVerdict, judge, readSummary } from './outcome.js';
import { CHROOT_SETUP, MOUNT_POINT, WRAPPER, chrootSetupScript, wrapperScript } from './scripts.js';
import { namespaceRoot } from './subordinate-ids.js';
import type { AptUpdateDecision } from './apt-update.js';

export interface SbuildRequest {
  readonly tarball: ChrootTarball;
  readonly dscFile: string;
  readonly pkg: string;
  readonly upstreamVersion: string;
  readonly profile: BuildProfile;
  /** What runs sbuild, so that the whole build inherits it (taskset, setarch). */
  readonly wrappers: readonly string[];
  /** The faketime offset when this build fakes its clock. */
  readonly clock: string | undefined;
  /** This build's own space, which only this user needs to reach: the outputs and sbuild's HOME. */
  readonly workdir: string;
  /** What the build namespace must reach, searchable by every user: the throw-away chroot copy, the scripts, the apt archives (a tmpfs is fastest). */
  readonly unpackDir: string;
  /** The node's shared apt archive cache; undefined: every build downloads its dependencies. */
  readonly aptCache?: string;
  readonly extraRepositories: readonly string[];
  /** Whether apt updates the chroot copy first (apt-update.ts), and why, for the record. */
  readonly aptUpdate: AptUpdateDecision;
  /** Skip setup work nobody reads (scripts.ts). */
  readonly quickSetup: boolean;
  readonly logFile: string;
  readonly timeoutMs: number;
  readonly killGraceMs: number;
  readonly signal?: AbortSignal;
  readonly spawner?: Spawner;
  readonly onStart?: (pgid: number) => void;
  /** sbuild's stage headers as it reaches them ("Install package build dependencies", "Build"…). */
  readonly onStage?: (stage: string) => void;
}

export interface SbuildOutcome {
  readonly verdict: SbuildVerdict;
  readonly run: GroupResult;
  /** Where sbuild left the .deb, .buildinfo and .changes files. */
  readonly outDir: string;
  readonly applied: ReadonlyArray<readonly [string, string]>;
}

const STAGE_POLL_MS = 100;

/** The one place that may start PID namespaces (CAP_SYS_ADMIN): root. */
const mayUnsharePid = () => process.getuid?.() === 0;

/**
 * The build's namespace root is a subordinate id, an "other" on the host: it must be able
 * to search every directory above what is bind-mounted or unpacked, or sbuild fails at
 * "chroot setup" with nothing in its log that says why.
 */
function closedAncestor(dir: string): string | undefined {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    if ((fs.statSync(current).mode & 0o001) === 0) return current;
    if (current === path.dirname(current)) return undefined;
  }
}

function assertSearchable(dir: string): void {
  const closed = closedAncestor(dir);
  if (closed !== undefined) {
    throw new SpoolError(
      'usage',
      `${closed} is not searchable by others (mode ${(fs.statSync(closed).mode & 0o777).toString(8)}): the build's user namespace ` +
        `cannot reach ${dir}; set chroots.unpackDir to a directory every user can search (such as /dev/shm or /tmp)`,
    );
  }
}

export async function runSbuild(request: SbuildRequest): Promise<SbuildOutcome> {
  const { profile, workdir } = request;
  fs.mkdirSync(workdir, { recursive: true });
  // What the namespace reaches goes into unpackDir; sbuild itself, as this user, reads the
  // tarball and the source and writes out/ (so the spool may sit in a 0700 home).
  fs.mkdirSync(request.unpackDir, { recursive: true, mode: 0o755 });
  fs.chmodSync(request.unpackDir, 0o755); // whatever the umask
  assertSearchable(request.unpackDir);
  const scripts = path.join(request.unpackDir, 'sbuild');
  const out = path.join(workdir, 'out');
  const home = path.join(workdir, 'home');
  for (const dir of [scripts, out, home]) fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(scripts, 0o755);
  const sourceDir = profile.sourceDir('/build', request.pkg, request.upstreamVersion);
  // sbuild unpacks into $build_path/$PKG-$UPSTREAM; the wrapper moves the tree to sourceDir when they differ (build 2's …/2nd).
  const buildPath = path.posix.dirname(sourceDir);
  fs.writeFileSync(path.join(scripts, 'build-wrapper'), wrapperScript(profile, sourceDir, request.clock, request.quickSetup), { mode: 0o755 });
  fs.writeFileSync(path.join(scripts, 'chroot-setup'), chrootSetupScript(profile, request.quickSetup), { mode: 0o755 });
  // Beside the build when the namespace can reach it there (the same filesystem as the cache:
  // hard links); else (a spool in a 0700 home) in the reachable scratch, as copies.
  const archives = request.aptCache ? path.join(closedAncestor(workdir) === undefined ? workdir : request.unpackDir, 'apt-archives') : undefined;
  let seeded = 0;
  if (archives) seeded = seedAptArchives(request.aptCache!, archives, namespaceRoot());
  const config = path.join(scripts, 'sbuild.conf');
  fs.writeFileSync(
    config,
    sbuildConfig({
      unpackTemplate: path.join(request.unpackDir, 'chroot.XXXXXXXXXX'),
      scriptsDir: scripts,
      mountPoint: MOUNT_POINT,
      wrapper: WRAPPER,
      chrootSetup: CHROOT_SETUP,
      aptArchives: archives,
      extraRepositories: request.extraRepositories,
      stalledMinutes: request.timeoutMs / 60_000,
      aptUpdate: request.aptUpdate.run,
    }),
  );
  const sbuild = [
    'sbuild',
    '--chroot-mode=unshare',
    `--chroot=${request.tarball.path}`,
    `--dist=${request.tarball.suite}`,
    `--arch=${request.tarball.arch}`,
    `--build-path=${buildPath}`,
    '--nolog',
    request.dscFile,
  ];
  const pidNamespace = mayUnsharePid() ? ['unshare', '--pid', '--fork', '--kill-child', '--mount-proc'] : [];
  const [command, ...args] = [...pidNamespace, ...request.wrappers, ...sbuild] as [string, ...string[]];
  // Read often: when a header is seen is when its stage is recorded to have begun (stages.ts).
  const follower = request.onStage
    ? followLog(
        request.logFile,
        (line) => {
          const stage = /^\| ([A-Z][^|]*?)\s*\|$/.exec(line)?.[1];
          if (stage && !/^\S+ \S+ \(\S+\)/.test(stage)) request.onStage!(stage);
        },
        STAGE_POLL_MS,
      )
    : undefined;
  let run: GroupResult;
  try {
    run = await runInGroup(
      {
        command,
        args,
        cwd: out,
        env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: home, SBUILD_CONFIG: config },
        logFile: request.logFile,
        timeoutMs: request.timeoutMs,
        killGraceMs: request.killGraceMs,
        signal: request.signal,
        onStart: request.onStart,
      },
      request.spawner,
    );
  } finally {
    follower?.stop();
  }
  const harvested = archives && fs.existsSync(archives) ? harvestAptArchives(archives, request.aptCache!) : 0;
  const verdict = judge(readSummary(fs.readFileSync(request.logFile, 'utf8')), run.exitCode);
  const applied: Array<readonly [string, string]> = [
    ['Builder', `sbuild (unshare mode) in a fresh copy of ${path.basename(request.tarball.path)} made ${request.tarball.created.toISOString()}`],
    ['Network', 'none during the build (only lo)'],
    ['Apt-Cache', archives ? `${seeded} cached packages offered, ${harvested} downloaded and added` : 'none'],
    ['Apt-Update', request.aptUpdate.why],
    ['Quick-Setup', request.quickSetup ? "on (dpkg's force-unsafe-io and no man-db index while build dependencies install; put back before the build)" : 'off'],
  ];
  return { verdict, run, outDir: out, applied };
}
