import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pruneArchive } from '../../src/archive/retention.js';
import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { membershipOf } from '../../src/store/catalogue.js';
import { Layout } from '../../src/spool/layout.js';
import { archiveRoot } from '../../src/archive/format.js';
import { DAY, archivedCheck, debsOf } from '../helpers/archive.js';
import type { Verdict } from '../../src/store/records.js';
import { type Mirror, startMirror } from '../helpers/mirror.js';
import { cli, cliAsync, fromJson, sandbox, writeConfig } from '../helpers/spool.js';

const NOW = Date.parse('2026-12-02T12:00:00.000Z');
/** No catalogue imported: nothing counts as gone. */
const NO_CATALOGUE = membershipOf([]);

/** An archived check of pkg, `daysAgo` old (its verdict file unless unconcluded). */
const archived = (layout: Layout, pkg: string, daysAgo: number, verdict: Verdict | undefined) => archivedCheck(layout, pkg, NOW - daysAgo * DAY, verdict);

describe('archive prune', () => {
  it("keeps .debs only for an unreproducible package's latest check, removes old and dead checks, and keeps every record and log", () => {
    const s = sandbox('prune');
    const layout = new Layout(s.root);
    const steadyOld = archived(layout, 'steady', 20, 'reproducible');
    const steadyNew = archived(layout, 'steady', 1, 'reproducible');
    const wobblyOld = archived(layout, 'wobbly', 10, 'unreproducible');
    const wobblyNew = archived(layout, 'wobbly', 2, 'unreproducible');
    const ancient = archived(layout, 'ancient', 400, 'FTBFS');
    const ancientLatest = archived(layout, 'ancient', 390, 'unreproducible');
    const staleWobbly = archived(layout, 'stale', 45, 'unreproducible');
    const dead = archived(layout, 'dead', 3, undefined);
    const concluding = archived(layout, 'busy', 0.01, undefined);
    const settings = DEFAULT_SETTINGS.archive;

    const planned = pruneArchive(layout, settings, NOW, true, NO_CATALOGUE);
    assert.ok(planned.length > 0);
    assert.deepEqual(debsOf(steadyOld), ['steady_1.0_all.deb', 'steady_1.0_all.deb'], 'a dry run changes nothing');

    const pruned = pruneArchive(layout, settings, NOW, false, NO_CATALOGUE);
    assert.deepEqual(
      pruned.map((p) => `${p.action} ${path.relative(archiveRoot(layout), p.dir)}`).sort(),
      planned.map((p) => `${p.action} ${path.relative(archiveRoot(layout), p.dir)}`).sort(),
      'the dry run said exactly this',
    );
    for (const dir of [steadyOld, steadyNew, wobblyOld, ancientLatest, staleWobbly]) {
      assert.deepEqual(debsOf(dir), [], `${path.relative(archiveRoot(layout), dir)} keeps no .deb`);
      assert.ok(fs.existsSync(path.join(dir, 'record.json')) && fs.existsSync(path.join(dir, 'build1', 'build.log.gz')));
      assert.ok(
        fs.readdirSync(path.join(dir, 'build2')).some((n) => n.endsWith('.buildinfo')),
        'the .buildinfo holds the sha256 of every .deb',
      );
    }
    assert.equal(debsOf(wobblyNew).length, 2, "an unreproducible package's latest check keeps its .debs");
    assert.equal(fs.existsSync(ancient), false, 'older than archiveKeepDays and not the latest: removed');
    assert.equal(fs.existsSync(dead), false, 'killed before its verdict, days ago: removed');
    assert.equal(fs.existsSync(concluding), true, 'a check without its verdict yet, minutes old, may be concluding: kept');
    assert.deepEqual(pruneArchive(layout, settings, NOW, false, NO_CATALOGUE), [], 'a second run finds nothing');
  });

  it('killed while removing a check, leaves it out of view, and the next run finishes the removal', () => {
    const s = sandbox('prune-killed');
    const layout = new Layout(s.root);
    archived(layout, 'ancient', 400, 'FTBFS');
    const latest = archived(layout, 'ancient', 10, 'reproducible');
    const killed = cli(s.root, ['archive', 'prune'], { REPRO_SPOOL_FAULT: 'prune:after-rename' });
    assert.equal(killed.signal, 'SIGKILL');
    const versionDir = path.dirname(latest);
    assert.ok(
      fs.readdirSync(versionDir).some((n) => n.startsWith('.removing-')),
      'renamed aside, not half-removed in place',
    );
    const checked = cli(s.root, ['--json', 'check']);
    assert.equal(checked.status, 1, checked.stderr);
    const findings = fromJson<{ findings: Array<{ class: string; subject: string }> }>(checked.stdout).findings;
    assert.deepEqual(
      findings.filter((f) => f.class === 'half-removed-check').map((f) => path.basename(f.subject)),
      fs.readdirSync(versionDir).filter((n) => n.startsWith('.removing-')),
      'check names it (and --repair removes it)',
    );
    const again = cli(s.root, ['--json', 'archive', 'prune']);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(fs.readdirSync(versionDir), [path.basename(latest)]);
  });
});

describe('two archive prunes at once', () => {
  it('both exit 0 and leave what one prune would', async () => {
    const s = sandbox('prune-race');
    const layout = new Layout(s.root);
    const kept: string[] = [];
    for (let i = 0; i < 40; i++) {
      archived(layout, `pkg${i}`, 400, 'FTBFS');
      archived(layout, `pkg${i}`, 399, undefined);
      kept.push(archived(layout, `pkg${i}`, 5, 'reproducible'));
    }
    const [a, b] = await Promise.all([cliAsync(s.root, ['--json', 'archive', 'prune']), cliAsync(s.root, ['--json', 'archive', 'prune'])]);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(b.status, 0, b.stderr);
    for (const dir of kept) {
      assert.deepEqual(fs.readdirSync(path.dirname(dir)), [path.basename(dir)], 'only the latest check left, whole');
      assert.deepEqual(debsOf(dir), []);
    }
    assert.deepEqual(pruneArchive(layout, DEFAULT_SETTINGS.archive, Date.now(), false, NO_CATALOGUE), [], 'nothing left for a third');
  });
});

describe('archive prune after a real local check', () => {
  let mirror: Mirror;
  before(async () => {
    mirror = await startMirror([{ name: 'steady', version: '1.0', build: ['mkdir -p out', 'echo constant > out/data'] }]);
  });
  after(() => mirror.close());

  it('leaves no .deb of a reproducible check, and the verdict as it was', async () => {
    const s = sandbox('prune-check');
    const config = writeConfig(s.dir, { root: 'root', builder: 'host', mirror: mirror.url, suites: ['bookworm'], thresholds: { downloadRetries: 0 } });
    const run = (...args: string[]) => cliAsync(s.root, ['--config', config, ...args]);
    const checked = await run('--json', 'build', 'steady', '--arch', 'amd64');
    assert.equal(checked.status, 0, checked.stderr);
    const { archive } = fromJson<{ archive: string }>(checked.stdout);
    const before = (await run('--json', 'show', 'steady')).stdout;
    assert.ok(debsOf(archive).length > 0, 'the check archived its .debs');
    const pruned = await run('--json', 'archive', 'prune');
    assert.equal(pruned.status, 0, pruned.stderr);
    assert.ok(fromJson<{ bytes: number }>(pruned.stdout).bytes > 0);
    assert.deepEqual(debsOf(archive), []);
    assert.equal((await run('--json', 'show', 'steady')).stdout, before, 'show answers the same');
  });
});
