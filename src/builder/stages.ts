/**
 * Where a single build's time goes, so that operators see what is the package's build and
 * what is setup around it. Four stages follow each other and add up to the build's
 * Duration (claim to completion):
 *  - setup: the source's download, the chroot copy's unpacking, sbuild's chroot setup,
 *    apt's update and the source's unpacking;
 *  - install: the build dependencies' installation (and sbuild's checks after it);
 *  - build: dpkg-buildpackage;
 *  - package: what follows: sbuild's .changes, .buildinfo and package listing, the
 *    cleanup, the signature and the results' completion.
 * They travel in the results' `result` file as `Stage-Seconds: setup=4.1 install=8.9 …`,
 * which main reads from an untrusted node: a value out of shape is dropped, not trusted.
 */
import type { Clock } from '../clock.js';

export const BUILD_STAGES = ['setup', 'install', 'build', 'package'] as const;
export type BuildStage = (typeof BUILD_STAGES)[number];
export type StageSeconds = Partial<Record<BuildStage, number>>;

/** The result file's field. */
export const STAGE_SECONDS_FIELD = 'Stage-Seconds';

/** sbuild's stage headers (`| Install package build dependencies |`) and the stage each begins; a header not named keeps the stage it is in. */
const SBUILD_HEADERS: Readonly<Record<string, BuildStage>> = {
  'Install package build dependencies': 'install',
  Build: 'build',
  Changes: 'package',
};

export function stageOfSbuildHeader(header: string): BuildStage | undefined {
  return SBUILD_HEADERS[header];
}

/** A build's stages as it goes: each stage lasts from its start to the next one's; the first starts with the build. */
export class StageTimer {
  private readonly starts: Array<{ readonly stage: BuildStage; readonly atMs: number }>;

  constructor(
    private readonly clock: Clock,
    startMs: number,
  ) {
    this.starts = [{ stage: 'setup', atMs: startMs }];
  }

  /** Enters stage (now); a stage at or before the current one changes nothing (sbuild repeats no header, but a log may). */
  enter(stage: BuildStage): void {
    const current = this.starts[this.starts.length - 1]!;
    if (BUILD_STAGES.indexOf(stage) <= BUILD_STAGES.indexOf(current.stage)) return;
    this.starts.push({ stage, atMs: Math.max(current.atMs, this.clock.now()) });
  }

  /** Each stage's seconds up to endMs; a stage the build never reached is absent. */
  secondsUntil(endMs: number): StageSeconds {
    const seconds: StageSeconds = {};
    this.starts.forEach(({ stage, atMs }, i) => {
      const until = this.starts[i + 1]?.atMs ?? Math.max(atMs, endMs);
      seconds[stage] = (until - atMs) / 1000;
    });
    return seconds;
  }
}

export function formatStageSeconds(seconds: StageSeconds): string {
  return BUILD_STAGES.filter((s) => seconds[s] !== undefined)
    .map((s) => `${s}=${seconds[s]!.toFixed(3)}`)
    .join(' ');
}

/** The longest a stage may claim: a week, beyond any build timeout. */
const MAX_STAGE_SECONDS = 7 * 24 * 3600;

/** Reads a Stage-Seconds value; undefined when it is absent or out of shape (an unknown stage, a number that is not one). */
export function parseStageSeconds(text: string | undefined): StageSeconds | undefined {
  if (text === undefined || text.length > 200) return undefined;
  const seconds: StageSeconds = {};
  for (const part of text.trim().split(/\s+/)) {
    const match = /^([a-z]+)=([0-9]{1,7}(?:\.[0-9]{1,6})?)$/.exec(part);
    if (!match || !(BUILD_STAGES as readonly string[]).includes(match[1]!)) return undefined;
    const value = Number(match[2]);
    if (value > MAX_STAGE_SECONDS || seconds[match[1] as BuildStage] !== undefined) return undefined;
    seconds[match[1] as BuildStage] = value;
  }
  return Object.keys(seconds).length > 0 ? seconds : undefined;
}

/** "setup 4.1 s, install 8.9 s, build 22.3 s, package 1.2 s", for people. */
export function describeStageSeconds(seconds: StageSeconds): string {
  return BUILD_STAGES.filter((s) => seconds[s] !== undefined)
    .map((s) => `${s} ${seconds[s]!.toFixed(1)} s`)
    .join(', ');
}

/** " (setup 4.1 s, …)" after a build's duration, or nothing when its stages were not recorded. */
export function stagesOf(seconds: StageSeconds | undefined): string {
  return seconds ? ` (${describeStageSeconds(seconds)})` : '';
}
