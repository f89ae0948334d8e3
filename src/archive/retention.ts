/**
 * Keeping the archive bounded (`archive prune`, daily from cron). A concluded check (one
 * with its verdict file) keeps its .buildinfo files (they hold every .deb's sha256), logs,
 * variations, result markers, record.json, .changes and diffoscope reports; its .debs go:
 *   - at once for any verdict but unreproducible (the comparison is done: dropping them
 *     changes no verdict);
 *   - for an unreproducible one, when it is not the package's latest check, or is older
 *     than keepDebsDays (the latest keeps them meanwhile, so diffoscope can run again).
 * A check older than archiveKeepDays is removed whole, unless it is its package's latest.
 * A package gone from its catalogue loses its checks after goneGraceDays (gone.ts).
 * An archive directory without a verdict file older than abandonedMaxAgeSeconds is a
 * check killed before its verdict (a concluding check writes its verdict seconds after
 * its builds arrive, and one stalled past the stale time can no longer write it): removed.
 * Each removal is of files or of one check directory at a time, so a prune killed at any
 * point leaves every check either as it was or pruned, never a verdict without its record.
 */
import fs from 'node:fs';
import path from 'node:path';
import { faultPoint } from '../durable/fault.js';
import type { CatalogueMembership } from '../store/catalogue.js';
import type { Layout } from '../spool/layout.js';
import { listDir } from '../spool/walk.js';
import { type ArchivedCheck, readVerdict, walkArchive } from './checks.js';
import { BUILD_NUMBERS } from '../spool/build-status.js';
import { VerdictFileError, buildDir } from './format.js';
import { pruneGone } from './gone.js';
import { removeCheck } from './remove-check.js';
import type { ArchiveSettings } from '../config/settings.js';
import { isPackageFile } from '../builder/compare.js';
import { isDifferingVerdict } from '../store/records.js';

/**
 * keep-unreadable frees nothing: a check whose verdict file is not one is left whole for a
 * person (`check` names it too); mark-gone and unmark-gone only start or stop a gone package's grace.
 */
export const PRUNE_ACTIONS = ['drop-debs', 'remove-check', 'remove-unconcluded', 'remove-gone', 'mark-gone', 'unmark-gone', 'keep-unreadable'] as const;
export type PruneAction = (typeof PRUNE_ACTIONS)[number];

export interface Pruned {
  readonly action: PruneAction;
  readonly dir: string;
  readonly bytes: number;
  readonly reason: string;
}

function bytesOf(target: string): number {
  const stat = fs.lstatSync(target, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.size;
  return listDir(target).reduce((sum, d) => sum + bytesOf(path.join(target, d.name)), 0);
}

/** Prunes the archive (or, with dryRun, says what it would prune), now being the clock's time. */
export function pruneArchive(layout: Layout, settings: ArchiveSettings, now: number, dryRun: boolean, catalogue: CatalogueMembership): Pruned[] {
  const pruned: Pruned[] = [];
  const walked = walkArchive(layout);
  for (const dir of walked.removing) {
    act(pruned, dryRun, 'remove-check', dir, 'left half-removed by a prune that was killed', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  const removedGone = pruneGone(layout, settings.goneGraceDays, now, walked.checks, catalogue, (action, dir, reason, run, bytes) =>
    act(pruned, dryRun, action, dir, reason, run, bytes),
  );
  const byPackage = new Map<string, Array<ArchivedCheck & { verdict: string | undefined }>>();
  for (const check of walked.checks.filter((c) => !removedGone.has(c.dir))) {
    let verdict: string | undefined;
    try {
      verdict = readVerdict(check.dir)?.verdict;
    } catch (error) {
      if (!(error instanceof VerdictFileError)) throw error;
      pruned.push({ action: 'keep-unreadable', dir: check.dir, bytes: 0, reason: error.message });
      continue;
    }
    const key = `${check.id.suite}/${check.id.arch}/${check.id.pkg}`;
    byPackage.set(key, [...(byPackage.get(key) ?? []), { ...check, verdict }]);
  }
  for (const checks of byPackage.values()) {
    const latest = checks.filter((c) => c.verdict !== undefined).sort((a, b) => b.at - a.at)[0]?.dir;
    for (const check of checks) {
      const ageDays = (now - check.at) / 86_400_000;
      if (check.verdict === undefined) {
        if (now - check.at > settings.abandonedMaxAgeMs) {
          act(pruned, dryRun, 'remove-unconcluded', check.dir, 'no verdict file: a check killed before its verdict', () => removeCheck(check.dir));
        }
      } else if (check.dir !== latest && ageDays > settings.archiveKeepDays) {
        act(pruned, dryRun, 'remove-check', check.dir, `older than archiveKeepDays (${settings.archiveKeepDays}) and not the latest`, () =>
          removeCheck(check.dir),
        );
      } else {
        const keep = isDifferingVerdict(check.verdict) && check.dir === latest && ageDays <= settings.keepDebsDays;
        if (!keep) dropDebs(pruned, dryRun, check.dir, check.verdict);
      }
    }
  }
  return pruned;
}

function dropDebs(pruned: Pruned[], dryRun: boolean, dir: string, verdict: string | undefined): void {
  const debs = BUILD_NUMBERS.map((n) => buildDir(dir, n)).flatMap((build) =>
    listDir(build).flatMap((d) => (d.isFile() && isPackageFile(d.name) ? [path.join(build, d.name)] : [])),
  );
  if (debs.length === 0) return;
  const reason = isDifferingVerdict(verdict) ? `${verdict}, but not the latest check or older than keepDebsDays` : `${verdict}: compared already`;
  act(
    pruned,
    dryRun,
    'drop-debs',
    dir,
    reason,
    () => {
      for (const deb of debs) {
        fs.rmSync(deb, { force: true });
        faultPoint('prune:after-deb');
      }
    },
    debs.reduce((sum, deb) => sum + bytesOf(deb), 0),
  );
}

function act(pruned: Pruned[], dryRun: boolean, action: PruneAction, dir: string, reason: string, run: () => void, bytes = bytesOf(dir)): void {
  if (!dryRun) run();
  pruned.push({ action, dir, bytes, reason });
}
