/**
 * Checks of packages gone from the catalogue (part of `archive prune`). A package that its
 * suite/arch's catalogue no longer lists gets a mark, $PKG/.gone-since holding the date prune
 * first saw it gone; goneGraceDays later its checks are removed (a removal from the archive
 * that is undone in a week loses nothing), then its emptied directories. A package back in
 * the catalogue loses its mark. Nothing is marked or removed:
 *   - for a suite/arch whose catalogue is empty: an import not yet run says nothing;
 *   - while the spool holds an entry of the package: a check of it may be concluding.
 * A mark dated after now (the clock stepped back) counts from now: no clock shortens the grace.
 * Crash: the mark is written atomically and never replaced (a second prune keeps the first
 * one's date); a prune killed while removing leaves each check whole or renamed aside
 * (removeCheck), and the mark until the package directory is empty.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../durable/atomic.js';
import { TargetExistsError, errnoCode } from '../errors.js';
import type { Layout } from '../spool/layout.js';
import { listDir, walkEntries } from '../spool/walk.js';
import type { CatalogueMembership } from '../store/catalogue.js';
import type { ArchivedCheck } from './checks.js';
import { GONE_MARK, archiveRoot } from './format.js';
import { removeCheck } from './remove-check.js';
import type { PruneAction } from './retention.js';

const DAY_MS = 86_400_000;

/** Records one step (and runs it, unless this is a dry run); bytes default to the directory's size. */
export type Act = (action: PruneAction, dir: string, reason: string, run: () => void, bytes?: number) => void;

/** Marks, unmarks and removes gone packages; returns the check directories it removes (the rest of prune leaves them). */
export function pruneGone(
  layout: Layout,
  graceDays: number,
  now: number,
  checks: readonly ArchivedCheck[],
  catalogue: CatalogueMembership,
  act: Act,
): Set<string> {
  const removed = new Set<string>();
  const checksOf = new Map<string, ArchivedCheck[]>();
  for (const check of checks) {
    const pkgDir = path.dirname(path.dirname(check.dir));
    checksOf.set(pkgDir, [...(checksOf.get(pkgDir) ?? []), check]);
  }
  const dirsOf = (dir: string) => listDir(dir).flatMap((d) => (d.isDirectory() ? [d.name] : []));
  const root = archiveRoot(layout);
  for (const suite of dirsOf(root))
    for (const arch of dirsOf(path.join(root, suite)))
      for (const pkg of dirsOf(path.join(root, suite, arch))) {
        const dir = path.join(root, suite, arch, pkg);
        const mark = path.join(dir, GONE_MARK);
        const since = readMark(mark);
        if (!catalogue.isGone(suite, arch, pkg)) {
          if (since !== 'absent') act('unmark-gone', dir, `back in ${suite}/${arch}'s catalogue`, () => fs.rmSync(mark, { force: true }), 0);
          continue;
        }
        if (walkEntries(layout, { suite, arch, pkg }).entries.length > 0) continue;
        if (since === 'absent' || since === 'unreadable') {
          const replaced = since === 'unreadable' ? ` (its ${GONE_MARK} was no date)` : '';
          const reason = `not in ${suite}/${arch}'s catalogue${replaced}: its checks go after goneGraceDays (${graceDays})`;
          act('mark-gone', dir, reason, () => writeMark(layout, mark, now, since === 'unreadable'), 0);
          continue;
        }
        if (now - Math.min(since, now) <= graceDays * DAY_MS) continue;
        const doomed = checksOf.get(dir) ?? [];
        for (const check of doomed) removed.add(check.dir);
        act(
          'remove-gone',
          dir,
          `gone from ${suite}/${arch}'s catalogue since ${new Date(since).toISOString()}, longer than goneGraceDays (${graceDays})`,
          () => {
            for (const check of doomed) removeCheck(check.dir);
            removeEmptied(dir, mark);
          },
        );
      }
  return removed;
}

/** The mark's date (ms), or why there is none. */
function readMark(mark: string): number | 'absent' | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(mark, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return 'absent';
    throw error;
  }
  const at = Date.parse(text.trim());
  return /^\d{4}-\d{2}-\d{2}T/.test(text) && Number.isFinite(at) ? at : 'unreadable';
}

function writeMark(layout: Layout, mark: string, now: number, replace: boolean): void {
  try {
    writeFileAtomic(layout, mark, `${new Date(now).toISOString()}\n`, { noReplace: !replace });
  } catch (error) {
    if (!(error instanceof TargetExistsError)) throw error; // another prune marked it first: its date stands
  }
}

/** The gone package's version directories, its mark and its directory, each only if nothing new arrived in it. */
function removeEmptied(dir: string, mark: string): void {
  const remaining = listDir(dir).filter((d) => d.isDirectory() && !removeIfEmpty(path.join(dir, d.name)));
  if (remaining.length > 0) return; // a check arrived meanwhile: the mark stays, and the next prune decides again
  fs.rmSync(mark, { force: true });
  removeIfEmpty(dir);
}

function removeIfEmpty(dir: string): boolean {
  try {
    fs.rmdirSync(dir);
    return true;
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') return true; // another prune removed it
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
    throw error;
  }
}
