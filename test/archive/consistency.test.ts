import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FINDING_CLASSES, REPAIRABLE } from '../../src/archive/consistency.js';
import { FAILED, SCHEDULED } from '../../src/spool/layout.js';
import { FileStore } from '../../src/store/file-store.js';
import { type Mirror, startMirror } from '../helpers/mirror.js';
import { cliAsync, fromJson, id, sandbox, writeConfig, writeEntry } from '../helpers/spool.js';
import { REPORT_NAMES } from '../../src/archive/format.js';

let mirror: Mirror;
before(async () => {
  mirror = await startMirror([
    { name: 'steady', version: '1.0', build: ['mkdir -p out', 'echo constant > out/data'] },
    { name: 'wobbly', version: '1.0', build: ['mkdir -p out', 'umask > out/umask', 'hostname > out/hostname'] },
  ]);
});
after(() => mirror.close());

interface Report {
  findings: Array<{ class: string; subject: string }>;
  repaired: Array<{ class: string }>;
  counts: Record<string, number>;
}

describe('check: do the archive, reproducible.db and the spool agree?', () => {
  it('says so after real checks (exit 0), finds each breakage planted by hand (exit 1), and repairs only the safe classes', async () => {
    const s = sandbox('consistency');
    const config = writeConfig(s.dir, { root: 'root', builder: 'host', mirror: mirror.url, suites: ['bookworm'], thresholds: { downloadRetries: 0 } });
    const run = (...args: string[]) => cliAsync(s.root, ['--config', config, ...args]);
    const archives: Record<string, string> = {};
    for (const pkg of ['steady', 'wobbly']) {
      const checked = await run('--json', 'build', pkg, '--arch', 'amd64');
      assert.equal(checked.status, 0, checked.stderr);
      archives[pkg] = fromJson<{ archive: string }>(checked.stdout).archive;
    }
    const sound = await run('--json', 'check');
    assert.equal(sound.status, 0, sound.stderr);
    assert.deepEqual(fromJson<Report>(sound.stdout).findings, []);

    const store = new FileStore(path.join(s.root, 'reproducible.db'), { lockStaleMs: 10_000, lockUpdateMs: 2_000, waitMs: 10_000, pollMs: 5 });
    const steady = archives.steady!;
    const wobbly = archives.wobbly!;
    fs.copyFileSync(path.join(wobbly, 'diffoscope.txt'), path.join(steady, 'diffoscope.txt')); // report-without-unreproducible
    for (const report of REPORT_NAMES) fs.rmSync(path.join(wobbly, report), { force: true }); // unreproducible-without-report
    for (const name of fs.readdirSync(path.join(steady, 'build1'))) if (name.endsWith('.buildinfo')) fs.rmSync(path.join(steady, 'build1', name));
    const key = `check ${path.relative(fs.realpathSync(s.root), fs.realpathSync(steady))}`;
    await store.write((db) => db.run('DELETE FROM result_history WHERE journal_id = ?', [key])); // archive-without-row
    await store.write((db) =>
      db.run(
        "INSERT INTO result_history (journal_id, name, version, suite, architecture, verdict, build_date) VALUES (?, 'steady', '1.0', 'bookworm', 'amd64', 'FTBFS', ?)",
        ['check archive/bookworm/amd64/steady/1.0/2026-12-01T00-00-00-000Z', new Date().toISOString()],
      ),
    ); // row-without-archive (of a package in the catalogue: a gone one's checks go with archive prune)
    await store.write((db) =>
      db.run("INSERT INTO results (name, version, suite, architecture, verdict, build_date) VALUES ('gone', '1.0', 'bookworm', 'amd64', 'reproducible', ?)", [
        new Date().toISOString(),
      ]),
    ); // result-not-in-catalogue
    const dead = path.join(s.root, 'archive/bookworm/amd64/steady/1.0/2026-11-01T00-00-00-000Z');
    fs.mkdirSync(path.join(dead, 'build1'), { recursive: true }); // unconcluded-archive
    const edited = path.join(s.root, 'archive/bookworm/amd64/wobbly/1.0/2026-11-02T00-00-00-000Z');
    fs.mkdirSync(edited, { recursive: true });
    fs.writeFileSync(path.join(edited, 'verdict'), 'Source: wobbly\nVerdict: fine\n'); // unreadable-verdict
    const removing = path.join(s.root, 'archive/bookworm/amd64/steady/1.0/.removing-2026-10-01T00-00-00-000Z');
    fs.mkdirSync(path.join(removing, 'build1'), { recursive: true }); // half-removed-check
    fs.rmSync(path.join(wobbly, 'build2', 'build.log.gz')); // build-without-log
    const orphan = s.layout.resultsPath('node9', id('orphan'));
    fs.mkdirSync(orphan, { recursive: true }); // orphan-build-directory: results without a marker, nobody's
    writeEntry(s.layout, SCHEDULED, id('twice'));
    writeEntry(s.layout, FAILED, id('twice')); // entry-in-two-states

    const broken = await run('--json', 'check');
    assert.equal(broken.status, 1, broken.stderr);
    const found = fromJson<Report>(broken.stdout);
    assert.deepEqual(
      Object.fromEntries(FINDING_CLASSES.map((c) => [c, found.counts[c]])),
      Object.fromEntries(FINDING_CLASSES.map((c) => [c, 1])),
      'each planted breakage found once, in its class',
    );

    const dashboard = await run('--json', 'dashboard');
    assert.equal(dashboard.status, 0, dashboard.stderr);
    const index = fs.readFileSync(path.join(s.root, 'dashboard', 'index.html'), 'utf8');
    assert.match(index, new RegExp(`<span class="finding-count">${FINDING_CLASSES.length}</span> findings`), 'the dashboard shows what the last check found');
    for (const c of FINDING_CLASSES) assert.ok(index.includes(`<td>${c}</td>`), `${c} on the dashboard`);

    const repaired = await run('--json', 'check', '--repair');
    assert.equal(repaired.status, 1, 'what cannot be repaired is still reported');
    const after = fromJson<Report>(repaired.stdout);
    assert.deepEqual(after.repaired.map((f) => f.class).sort(), [...REPAIRABLE].sort());
    assert.deepEqual(after.findings.map((f) => f.class).sort(), FINDING_CLASSES.filter((c) => !REPAIRABLE.includes(c)).sort());
    assert.equal(fs.existsSync(dead), false);
    assert.equal(fs.existsSync(removing), false, 'the half-removed check is removed');
    assert.equal(fs.existsSync(orphan), false, 'the orphan results directory is reaped');
  });
});
