/**
 * Making or refreshing a base chroot with mmdebstrap --variant=buildd: written to a temp
 * name in the chroot directory (same filesystem), fsynced, then renamed over the old
 * tarball, so readers see the old one or the new one, never half of either; a build
 * already unpacking the old one keeps reading it. One creator per suite/arch at a time
 * (locks/_chroot-$SUITE_$ARCH.lock: a second one exits 4). A crash leaves a temp named
 * after its writer's pid and start time, which the next create removes.
 *
 * Besides the buildd set, the chroot holds what the builder itself uses inside it:
 * faketime (the clock variation), fakeroot (every build needs it; installing it per
 * build costs seconds) and the locales of build 2, generated once here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SpoolError } from '../errors.js';
import { fsyncDir, isDeadTemp, tempPath } from '../durable/atomic.js';
import { holdSingletonLock } from '../spool/singleton-lock.js';
import type { Spool } from '../spool/spool.js';
import { secondLocales } from '../builder/variations.js';
import { followLog, logTail } from '../builder/log-follower.js';
import { runInGroup } from '../process/group.js';
import { type ChrootTarball, findTarball, tarballPath } from './tarballs.js';

export interface CreateSettings {
  readonly dir: string;
  readonly mirror: string;
  readonly suite: string;
  readonly arch: string;
  readonly timeoutMs: number;
  readonly killGraceMs: number;
  readonly progress: (line: string) => void;
}

export const CHROOT_PACKAGES = ['faketime', 'fakeroot', 'locales'] as const;

export async function createChroot(spool: Spool, settings: CreateSettings): Promise<ChrootTarball> {
  const { dir, suite, arch } = settings;
  const release = await holdSingletonLock(
    spool,
    path.join(spool.layout.locksDir, `_chroot-${suite}_${arch}.lock`),
    `another chroot create for ${suite}/${arch} is running`,
    () => {},
  );
  try {
    fs.mkdirSync(dir, { recursive: true });
    removeDeadTemps(dir);
    const temp = tempPath(dir, 'chroot');
    const log = `${temp}.log`;
    const locales = secondLocales()
      .map((l) => `${l} UTF-8`)
      .join('\\n');
    const follower = followLog(log, (line) => line.startsWith('I: ') && settings.progress(`chroot ${suite}/${arch}: ${line.slice(3)}`));
    let run;
    try {
      run = await runInGroup({
        command: 'mmdebstrap',
        args: [
          '--variant=buildd',
          `--arch=${arch}`,
          `--include=${CHROOT_PACKAGES.join(',')}`,
          '--format=tar',
          // Keep the package lists: each build's apt update then fetches only what changed.
          '--skip=cleanup/apt/lists',
          `--customize-hook=printf '${locales}\\n' >> "$1/etc/locale.gen" && chroot "$1" locale-gen`,
          suite,
          temp,
          settings.mirror,
        ],
        cwd: dir,
        env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: dir },
        logFile: log,
        timeoutMs: settings.timeoutMs,
        killGraceMs: settings.killGraceMs,
      });
    } finally {
      follower.stop();
    }
    if (run.timedOut || run.exitCode !== 0) {
      const tail = logTail(log, 8);
      fs.rmSync(temp, { force: true });
      fs.rmSync(log, { force: true });
      throw new SpoolError(
        'failed',
        `mmdebstrap for ${suite}/${arch} from ${settings.mirror} ${run.timedOut ? 'timed out' : `exited ${run.exitCode}`}:\n  ${tail}`,
      );
    }
    fs.rmSync(log, { force: true });
    const fd = fs.openSync(temp, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.chmodSync(temp, 0o644);
    fs.renameSync(temp, tarballPath(dir, suite, arch));
    fsyncDir(dir);
    return findTarball(dir, suite, arch)!;
  } finally {
    await release();
  }
}

/** Temps (and their logs) of creators that are gone: a crash mid-create. */
function removeDeadTemps(dir: string): void {
  for (const name of fs.readdirSync(dir)) {
    if (isDeadTemp(name.replace(/\.log$/, ''))) fs.rmSync(path.join(dir, name), { force: true });
  }
}
