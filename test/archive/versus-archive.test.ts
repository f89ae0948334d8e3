/**
 * Does our build match the archive? Generated packages built with the host builder from
 * the test mirror, whose Packages index then holds the archive's own .debs: `same` as we
 * build it (identical), `other` with a file ours lacks (differs: its report is kept, the
 * download is not), `unpublished` only as a binNMU (absent, the archive's version said). In the verdict file, `--json`,
 * `show`, reproducible.db and the dashboard's counts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAX_ARCHIVE_REPORTS, compareWithArchive, describeVersusArchive, formatVersusArchive, parseVersusArchive } from '../../src/archive/versus-archive.js';
import { type Mirror, startMirror } from '../helpers/mirror.js';
import { cliAsync, fromJson, sandbox, tempDir, writeConfig } from '../helpers/spool.js';

let mirror: Mirror;
before(async () => {
  mirror = await startMirror(['same', 'other', 'unpublished'].map((name) => ({ name, version: '1.0', build: ['mkdir -p out', `echo ${name} > out/data`] })));
});
after(() => mirror.close());

interface Verdict {
  archive: string;
  versusArchive?: Array<{ deb: string; outcome: string; report?: string }>;
}

describe('the archive comparison', () => {
  it("says of each .deb of build 1 whether the archive's is identical, differs (with a report) or is absent", async () => {
    const s = sandbox('versus-archive');
    const base = { root: 'root', builder: 'host', mirror: mirror.url, suites: ['bookworm'] };
    const off = writeConfig(s.dir, { ...base, compareWithArchive: false });
    const build = async (config: string, pkg: string) => {
      const result = await cliAsync(s.root, ['--config', config, '--json', 'build', pkg, '--arch', 'amd64']);
      assert.equal(result.status, 0, result.stderr);
      return fromJson<Verdict>(result.stdout);
    };
    // The archive's builds: ours of `same`, and `other` with one file more.
    const same = await build(off, 'same');
    assert.equal(same.versusArchive, undefined, 'compareWithArchive off: not compared');
    const other = await build(off, 'other');
    const repack = tempDir('repack');
    execFileSync('dpkg-deb', ['-R', path.join(other.archive, 'build1', 'other_1.0_all.deb'), path.join(repack, 'tree')]);
    fs.writeFileSync(path.join(repack, 'tree/usr/share/other/archive-only'), 'built elsewhere\n');
    execFileSync('dpkg-deb', ['--root-owner-group', '-b', path.join(repack, 'tree'), path.join(repack, 'other_1.0_all.deb')], { stdio: 'ignore' });
    // `unpublished` is in the archive only as a binNMU (1.0+b1), so ours of 1.0 is absent and the archive's version is said.
    const binnmu = await build(off, 'unpublished');
    execFileSync('dpkg-deb', ['-R', path.join(binnmu.archive, 'build1', 'unpublished_1.0_all.deb'), path.join(repack, 'binnmu')]);
    const control = path.join(repack, 'binnmu/DEBIAN/control');
    fs.writeFileSync(control, fs.readFileSync(control, 'utf8').replace(/^Version: 1\.0$/m, 'Version: 1.0+b1'));
    execFileSync('dpkg-deb', ['--root-owner-group', '-b', path.join(repack, 'binnmu'), path.join(repack, 'unpublished_1.0+b1_all.deb')], { stdio: 'ignore' });
    mirror.publishDebs([
      path.join(same.archive, 'build1', 'same_1.0_all.deb'),
      path.join(repack, 'other_1.0_all.deb'),
      path.join(repack, 'unpublished_1.0+b1_all.deb'),
    ]);

    const on = writeConfig(s.dir, base);
    const identical = await build(on, 'same');
    assert.deepEqual(identical.versusArchive, [{ deb: 'same_1.0_all.deb', outcome: 'identical' }]);
    const differs = await build(on, 'other');
    assert.deepEqual(differs.versusArchive, [{ deb: 'other_1.0_all.deb', outcome: 'differs', report: 'written' }]);
    assert.match(fs.readFileSync(path.join(differs.archive, 'versus-archive', 'other_1.0_all.deb.txt'), 'utf8'), /archive-only/);
    assert.deepEqual(
      fs.readdirSync(path.join(differs.archive, 'versus-archive')).filter((n) => n.endsWith('.deb')),
      [],
      "the archive's .deb is not kept: the mirror has it",
    );
    const absent = await build(on, 'unpublished');
    assert.deepEqual(absent.versusArchive, [{ deb: 'unpublished_1.0_all.deb', outcome: 'absent', archiveVersion: '1.0+b1' }]);
    assert.match(fs.readFileSync(path.join(differs.archive, 'verdict'), 'utf8'), /^Versus-Archive:\n other_1\.0_all\.deb differs written$/m);

    const shown = fromJson<{ verdicts: Array<{ versusArchive: unknown }> }>((await cliAsync(s.root, ['--config', on, '--json', 'show', 'other'])).stdout);
    assert.deepEqual(
      shown.verdicts.map((v) => v.versusArchive),
      [[{ deb: 'other_1.0_all.deb', outcome: 'differs', report: 'written' }], null],
    );
    assert.match((await cliAsync(s.root, ['--config', on, 'show', 'same'])).stdout, /versus the archive: 1 identical/);

    const site = path.join(s.dir, 'site');
    assert.equal((await cliAsync(s.root, ['--config', on, 'dashboard', '--out', site])).status, 0);
    const index = fs.readFileSync(path.join(site, 'index.html'), 'utf8');
    assert.match(index, /<td class="versus-archive">1 of 3<\/td>/, 'a count per suite: one package whose .debs are all the archive’s');
    assert.match(fs.readFileSync(path.join(site, 'packages', 'other.html'), 'utf8'), /1 differs \(other_1\.0_all\.deb\)/);
    const exported = await cliAsync(s.root, ['--config', on, 'export', 'json', '--out', path.join(s.dir, 'export')]);
    assert.equal(exported.status, 0, exported.stderr);
    const rows = JSON.parse(fs.readFileSync(path.join(s.dir, 'export', 'reproducible.json'), 'utf8')) as Array<{ package: string; versus_archive?: unknown }>;
    assert.deepEqual(rows.find((r) => r.package === 'same')!.versus_archive, { identical: 1, differs: 0, absent: 0 });
  });
});

describe("the verdict file's Versus-Archive lines", () => {
  it('round-trip, and a line with an unknown outcome is not one', () => {
    const compared = [
      { deb: 'a_1_all.deb', outcome: 'identical' as const },
      { deb: 'b_1_all.deb', outcome: 'differs' as const, report: 'timeout' as const },
      { deb: 'c_1_all.deb', outcome: 'absent' as const },
      { deb: 'd_1_amd64.deb', outcome: 'absent' as const, archiveVersion: '1+b1' },
    ];
    assert.deepEqual(parseVersusArchive(formatVersusArchive(compared)), compared);
    assert.equal(parseVersusArchive('a_1_all.deb same'), undefined);
    assert.equal(parseVersusArchive('a_1_all.deb differs lost'), undefined);
    assert.equal(
      describeVersusArchive(compared),
      '1 identical, 1 differs (b_1_all.deb: report timeout), 2 absent (c_1_all.deb, d_1_amd64.deb: the archive has 1+b1)',
    );
  });
});

describe('compareWithArchive', () => {
  it(`reports the first ${MAX_ARCHIVE_REPORTS} differing .debs only, and names the version the archive has of an absent one`, async () => {
    const dir = tempDir('versus-cap');
    const names = ['a', 'b', 'c', 'd', 'e'].map((n) => `${n}_1_all.deb`);
    for (const name of [...names, 'f_1_amd64.deb']) fs.writeFileSync(path.join(dir, name), name);
    const archive = new Map([
      ...names.map((name) => [name, { sha256: '0'.repeat(64), size: 4, filename: `pool/main/${name}` }] as const),
      ['f_1+b2_amd64.deb', { sha256: '0'.repeat(64), size: 4, filename: 'pool/main/f_1+b2_amd64.deb' }] as const,
    ]);
    const settings = {
      mirror: () => 'http://127.0.0.1:9', // nothing listens: each download fails at once
      component: 'main',
      maxAgeMs: 1,
      download: { idleTimeoutMs: 1000, deadlineMs: 2000, retries: 0, backoffMs: 1, maxBytes: 1 },
      trust: { keyring: '/nonexistent', required: false },
      diffoscope: { timeoutMs: 1000, maxReportBytes: 1024, killGraceMs: 100 },
    };
    const products = Object.fromEntries([...names, 'f_1_amd64.deb'].map((name) => [name, { sha256: '1'.repeat(64), sha512: '1'.repeat(128) }]));
    const compared = await compareWithArchive(products, dir, dir, 'bookworm', archive, settings);
    assert.deepEqual(
      compared.map((c) => [c.deb, c.outcome, c.report ?? c.archiveVersion]),
      [
        ['a_1_all.deb', 'differs', 'not-downloaded'],
        ['b_1_all.deb', 'differs', 'not-downloaded'],
        ['c_1_all.deb', 'differs', 'not-downloaded'],
        ['d_1_all.deb', 'differs', 'not-reported'],
        ['e_1_all.deb', 'differs', 'not-reported'],
        ['f_1_amd64.deb', 'absent', '1+b2'],
      ],
    );
  });
});
