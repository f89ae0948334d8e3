import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { GONE_MARK, REMOVING_PREFIX, archiveRoot } from '../../src/archive/format.js';
import { type Pruned, pruneArchive } from '../../src/archive/retention.js';
import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { SCHEDULED } from '../../src/spool/layout.js';
import { membershipOf } from '../../src/store/catalogue.js';
import { FileStore } from '../../src/store/file-store.js';
import { DAY, archivedCheck } from '../helpers/archive.js';
import { cli, fromJson, id, sandbox, writeEntry } from '../helpers/spool.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const settings = DEFAULT_SETTINGS.archive;
/** bookworm/amd64's catalogue lists only `other`: every other package archived there is gone. */
const catalogue = membershipOf([{ name: 'other', suite: 'bookworm', architecture: 'amd64' }]);
const withGone = membershipOf([
  { name: 'other', suite: 'bookworm', architecture: 'amd64' },
  { name: 'oldpkg', suite: 'bookworm', architecture: 'amd64' },
]);
const actions = (pruned: Pruned[]) => pruned.map((p) => p.action).sort();

describe('archive prune of packages gone from the catalogue', () => {
  it('marks a gone package, removes its checks only after goneGraceDays, and unmarks one that came back', () => {
    const s = sandbox('gone');
    const checks = [
      archivedCheck(s.layout, 'oldpkg', T0 - 20 * DAY, 'unreproducible', '1.0'),
      archivedCheck(s.layout, 'oldpkg', T0 - 2 * DAY, 'reproducible', '1.1'),
    ];
    const kept = archivedCheck(s.layout, 'other', T0 - 2 * DAY, 'reproducible');
    const pkgDir = path.dirname(path.dirname(checks[0]!));
    const mark = path.join(pkgDir, GONE_MARK);

    assert.ok(actions(pruneArchive(s.layout, settings, T0, true, catalogue)).includes('mark-gone'));
    assert.equal(fs.existsSync(mark), false, 'a dry run writes no mark');
    const marked = pruneArchive(s.layout, settings, T0, false, catalogue).filter((p) => p.action === 'mark-gone');
    assert.deepEqual(
      marked.map((p) => p.dir),
      [pkgDir],
    );
    assert.match(marked[0]!.reason, /not in bookworm\/amd64's catalogue: its checks go after goneGraceDays \(30\)/);
    assert.equal(fs.readFileSync(mark, 'utf8'), `${new Date(T0).toISOString()}\n`);

    assert.deepEqual(actions(pruneArchive(s.layout, settings, T0 + 10 * DAY, false, catalogue)), [], 'within the grace: nothing');
    assert.deepEqual(actions(pruneArchive(s.layout, settings, T0 - 400 * DAY, false, catalogue)), [], 'a clock stepped back removes nothing');
    assert.equal(fs.readFileSync(mark, 'utf8'), `${new Date(T0).toISOString()}\n`, 'and keeps the first date');

    assert.deepEqual(actions(pruneArchive(s.layout, settings, T0 + 15 * DAY, false, withGone)), ['unmark-gone'], 'back in the catalogue');
    assert.equal(fs.existsSync(mark), false);
    assert.deepEqual(actions(pruneArchive(s.layout, settings, T0 + 16 * DAY, false, catalogue)), ['mark-gone'], 'gone again: the grace starts again');
    assert.deepEqual(actions(pruneArchive(s.layout, settings, T0 + 40 * DAY, false, catalogue)), [], '24 days since the new mark');
    for (const check of checks) assert.ok(fs.existsSync(check));

    const removed = pruneArchive(s.layout, settings, T0 + 47 * DAY, false, catalogue);
    assert.deepEqual(actions(removed), ['remove-gone']);
    assert.ok(removed[0]!.bytes > 0, 'counts the bytes it freed');
    assert.match(removed[0]!.reason, /gone from bookworm\/amd64's catalogue since 2026-01-17T00:00:00\.000Z, longer than goneGraceDays \(30\)/);
    assert.equal(fs.existsSync(pkgDir), false, 'its checks, its mark and its directories are gone');
    assert.ok(fs.existsSync(kept), 'a package of the catalogue keeps its check');
    assert.deepEqual(actions(pruneArchive(s.layout, settings, T0 + 48 * DAY, false, catalogue)), [], 'a second run finds nothing');
  });

  it('leaves a gone package alone while the spool holds an entry of it, and a suite with no catalogue', () => {
    const s = sandbox('gone-busy');
    const busy = archivedCheck(s.layout, 'busy', T0 - 100 * DAY, 'reproducible');
    const uncatalogued = archivedCheck(s.layout, 'stray', T0 - 100 * DAY, 'reproducible', '1.0', 'trixie');
    writeEntry(s.layout, SCHEDULED, id('busy', '2.0'));
    for (const at of [T0, T0 + 100 * DAY]) {
      assert.deepEqual(
        pruneArchive(s.layout, settings, at, false, catalogue).filter((p) => p.action.endsWith('-gone')),
        [],
      );
    }
    assert.ok(fs.existsSync(busy) && fs.existsSync(uncatalogued));
    assert.equal(fs.existsSync(path.join(path.dirname(path.dirname(busy)), GONE_MARK)), false);
  });

  it('replaces a mark that holds no date with today, so the grace starts again instead of never or at once', () => {
    const s = sandbox('gone-corrupt');
    const check = archivedCheck(s.layout, 'oldpkg', T0 - 100 * DAY, 'reproducible');
    const mark = path.join(path.dirname(path.dirname(check)), GONE_MARK);
    fs.writeFileSync(mark, 'garbage\x00');
    const pruned = pruneArchive(s.layout, settings, T0, false, catalogue).filter((p) => p.action.endsWith('-gone'));
    assert.deepEqual(actions(pruned), ['mark-gone']);
    assert.match(pruned[0]!.reason, /its \.gone-since was no date/);
    assert.equal(fs.readFileSync(mark, 'utf8'), `${new Date(T0).toISOString()}\n`);
    assert.ok(fs.existsSync(check));
  });

  it('finishes a removal that a kill interrupted (a check renamed aside, the others whole, the mark still there)', () => {
    const s = sandbox('gone-killed');
    const checks = [1, 2, 3].map((n) => archivedCheck(s.layout, 'oldpkg', T0 - n * DAY, 'reproducible', `1.${n}`));
    const pkgDir = path.dirname(path.dirname(checks[0]!));
    pruneArchive(s.layout, settings, T0, false, catalogue);
    // What a SIGKILL at prune:after-rename leaves: the first check renamed aside, not yet removed.
    const first = checks[0]!;
    fs.renameSync(first, path.join(path.dirname(first), `${REMOVING_PREFIX}${path.basename(first)}`));
    const after = pruneArchive(s.layout, settings, T0 + 31 * DAY, false, catalogue);
    assert.deepEqual(actions(after), ['remove-check', 'remove-gone']);
    assert.equal(fs.existsSync(pkgDir), false);
    assert.deepEqual(fs.readdirSync(path.join(archiveRoot(s.layout), 'bookworm', 'amd64')), []);
  });
});

describe('archive prune of a gone package, through the CLI and its reproducible.db', () => {
  it('reads the catalogue from the database, survives a SIGKILL in the middle of the removal, and the next prune finishes it', async () => {
    const s = sandbox('gone-cli');
    const store = new FileStore(path.join(s.root, 'reproducible.db'), { lockStaleMs: 10_000, lockUpdateMs: 2_000, waitMs: 10_000, pollMs: 5 });
    await store.write((db) =>
      db.run(
        "INSERT INTO sources (name, version, suite, architecture, dsc_path, dsc_sha256, imported_at) VALUES ('other', '1.0', 'bookworm', 'amd64', ?, ?, ?)",
        ['pool/main/o/other/other_1.0.dsc', 'a'.repeat(64), new Date().toISOString()],
      ),
    );
    const now = Date.now();
    const checks = [1, 2].map((n) => archivedCheck(s.layout, 'oldpkg', now - n * DAY, 'reproducible', `1.${n}`));
    const kept = archivedCheck(s.layout, 'other', now - DAY, 'reproducible');
    const pkgDir = path.dirname(path.dirname(checks[0]!));
    const first = cli(s.root, ['--json', 'archive', 'prune']);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(fromJson<{ counts: Record<string, number> }>(first.stdout).counts['mark-gone'], 1);
    fs.writeFileSync(path.join(pkgDir, GONE_MARK), `${new Date(now - 31 * DAY).toISOString()}\n`); // as if marked a month ago
    const killed = cli(s.root, ['archive', 'prune'], { REPRO_SPOOL_FAULT: 'prune:after-rename' });
    assert.equal(killed.signal, 'SIGKILL');
    assert.ok(fs.existsSync(pkgDir), 'killed after renaming one check aside');
    const again = cli(s.root, ['--json', 'archive', 'prune']);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(fs.existsSync(pkgDir), false);
    assert.ok(fs.existsSync(kept));
  });
});

describe('a simulated year of re-testing every 9 days', () => {
  it('keeps the archive bounded: a steady package holds a year of checks without .debs, a flaky one the .debs of its latest only', () => {
    const s = sandbox('year');
    const year = membershipOf(['steady', 'flaky', 'leaving'].map((name) => ({ name, suite: 'bookworm', architecture: 'amd64' })));
    const leftAfter = membershipOf(['steady', 'flaky'].map((name) => ({ name, suite: 'bookworm', architecture: 'amd64' })));
    const sizes: number[] = [];
    let checks = 0;
    for (let day = 0; day <= 2 * 365; day += 9) {
      const now = T0 + day * DAY;
      archivedCheck(s.layout, 'steady', now, 'reproducible', '1.0');
      archivedCheck(s.layout, 'flaky', now, day % 18 === 0 ? 'unreproducible' : 'reproducible', '1.0');
      if (day < 100) archivedCheck(s.layout, 'leaving', now, 'unreproducible', '1.0');
      checks += day < 100 ? 3 : 2;
      pruneArchive(s.layout, settings, now + DAY, false, day < 100 ? year : leftAfter);
      sizes.push(bytesUnder(archiveRoot(s.layout)));
    }
    const versionDir = (pkg: string) => path.join(archiveRoot(s.layout), 'bookworm', 'amd64', pkg, '1.0');
    const steady = fs.readdirSync(versionDir('steady'));
    assert.ok(steady.length <= Math.ceil(settings.archiveKeepDays / 9) + 1, `at most archiveKeepDays of checks: ${steady.length}`);
    const debs = fs
      .readdirSync(versionDir('flaky'))
      .flatMap((c) => ['build1', 'build2'].flatMap((b) => fs.readdirSync(path.join(versionDir('flaky'), c, b)).filter((n) => n.endsWith('.deb'))));
    assert.ok(debs.length <= 2, `the .debs of one check at most: ${debs.length}`);
    assert.equal(fs.existsSync(path.dirname(versionDir('leaving'))), false, 'gone from the catalogue, removed after the grace');
    const secondYear = sizes.slice(-Math.floor(365 / 9));
    assert.ok(
      Math.max(...secondYear) <= Math.min(...secondYear) * 1.2,
      `steady in the second year: ${Math.min(...secondYear)}..${Math.max(...secondYear)} bytes`,
    );
    assert.ok(checks > 150);
  });
});

function bytesUnder(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((sum, d) => {
    const p = path.join(dir, d.name);
    return sum + (d.isDirectory() ? bytesUnder(p) : fs.statSync(p).size);
  }, 0);
}
