import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { wrapperScript } from '../../src/builder/sbuild/scripts.js';
import { DEFAULT_PATH, VARIATIONS, buildProfile, recordedVariations, variationTable } from '../../src/builder/variations.js';
import { BUILD_NUMBERS } from '../../src/spool/build-status.js';

describe('the variations, declared once', () => {
  it('give each build the profile tests.reproducible-builds.org varies (amd64, a 4-CPU node)', () => {
    const [one, two] = BUILD_NUMBERS.map((n) => buildProfile(n, 'amd64', 4));
    assert.deepEqual(one!.env, {
      SHELL: '/bin/sh',
      TZ: 'Etc/GMT+12',
      LANG: 'C',
      LANGUAGE: 'en_US:en',
      HOME: '/nonexistent/first-build',
      PATH: DEFAULT_PATH,
      DEB_BUILD_OPTIONS: 'parallel=4',
    });
    assert.deepEqual(two!.env, {
      TERM: 'linux',
      COLUMNS: '77',
      SHELL: '/bin/bash',
      TZ: 'Etc/GMT-14',
      LANG: 'et_EE.UTF-8',
      LC_ALL: 'et_EE.UTF-8',
      LANGUAGE: 'et',
      HOME: '/nonexistent/second-build',
      PATH: `${DEFAULT_PATH}:/i/capture/the/path`,
      CAPTURE_ENVIRONMENT: 'I capture the environment',
      DEB_BUILD_OPTIONS: 'parallel=5',
    });
    assert.deepEqual(
      [one!.umask, one!.nice, one!.hostname, one!.faketime, one!.disorderfs, one!.uname26, one!.user.uid],
      ['0022', 10, undefined, undefined, false, false, 1111],
    );
    assert.deepEqual(
      [two!.umask, two!.nice, two!.hostname, two!.domainname, two!.faketime, two!.disorderfs, two!.uname26, two!.user.uid],
      ['0002', 11, 'i-capture-the-hostname', 'i-capture-the-domainname', '+398d', true, true, 2222],
    );
    assert.equal(one!.sourceDir('/build', 'hello', '2.10'), '/build/1st/hello-2.10');
    assert.equal(two!.sourceDir('/build', 'hello', '2.10'), '/build/2/hello-2.10/2nd');
    assert.equal(buildProfile(2, 'armhf', 4).env.LANG, 'it_CH.UTF-8');
  });

  it('show in the table what each build gets, and every row differs between the builds', () => {
    const table = variationTable('amd64', { first: 8, second: 2 });
    assert.deepEqual(
      table.map((row) => row.name),
      VARIATIONS.map((v) => v.name),
    );
    for (const row of table) assert.notEqual(row.first, row.second, `${row.name} varies`);
    const row = (name: string) => table.find((r) => r.name === name)!;
    assert.deepEqual(
      row('DEB_BUILD_OPTIONS parallel'),
      { name: 'DEB_BUILD_OPTIONS parallel', first: 'parallel=8', second: 'parallel=3', applied: 'environment' },
      "each node's own CPUs",
    );
    assert.deepEqual(row('TERM, COLUMNS'), { name: 'TERM, COLUMNS', first: 'unset, unset', second: 'linux, 77', applied: 'environment' });
    assert.equal(row('build path').second, '…/2/$PKG-$VERSION/2nd');
    assert.equal(row('umask').first, '0022');
  });

  it("never shows main's CPU count as a node's: without the nodes, the table says what the count is", () => {
    const parallel = variationTable('amd64').find((r) => r.name === 'DEB_BUILD_OPTIONS parallel')!;
    assert.deepEqual([parallel.first, parallel.second], ["parallel=the node's CPU count", "parallel=the node's CPU count + 1"]);
  });

  it("are all applied by sbuild's build wrapper, each value where its row says", () => {
    for (const n of BUILD_NUMBERS) {
      const profile = buildProfile(n, 'amd64', 4);
      const script = wrapperScript(profile, profile.sourceDir('/build', 'hello', '2.10'), profile.faketime);
      for (const [name, value] of Object.entries(profile.env)) assert.ok(script.includes(`'${name}=${value}'`), `${name} in build ${n}'s environment`);
      assert.match(script, new RegExp(`^umask ${profile.umask}$`, 'm'));
      assert.match(script, new RegExp(`nice -n ${profile.nice}`));
      assert.match(script, new RegExp(`--reuid=${profile.user.uid} --regid=${profile.user.gid}`));
      assert.ok(script.includes(`target='${profile.sourceDir('/build', 'hello', '2.10')}'`));
      assert.equal(script.includes(`hostname 'i-capture-the-hostname'`), n === 2);
      assert.equal(script.includes(`faketime -f '+398d'`), n === 2);
    }
  });

  it("write each build's lines of the results' variations file, and say skipped where a builder could not apply one", () => {
    const profile = buildProfile(2, 'amd64', 4);
    const lines = new Map(recordedVariations(profile, { skipped: {}, clock: 'faketime +398d', buildPath: '/build/2/hello-2.10/2nd' }));
    assert.equal(lines.get('umask'), '0002');
    assert.equal(lines.get('TERM'), 'linux');
    assert.equal(lines.get('DEB_BUILD_OPTIONS'), 'parallel=5');
    assert.equal(lines.get('Build-User'), 'pbuilder2 (uid 2222, gid 2222)');
    assert.equal(lines.get('Clock'), 'faketime +398d');
    assert.equal(lines.get('Build-Path'), '/build/2/hello-2.10/2nd');
    assert.match(lines.get('disorderfs')!, /^skipped: FUSE/);
    const host = new Map(recordedVariations(profile, { skipped: { 'hostname, domainname': 'unshare --uts needs root' }, clock: 'off', buildPath: '2/x' }));
    assert.equal(host.get('hostname'), 'skipped: unshare --uts needs root');
    assert.equal(host.get('Clock'), 'off');
    const one = new Map(recordedVariations(buildProfile(1, 'amd64', 4), { skipped: {}, clock: undefined, buildPath: '1st/x' }));
    assert.equal(one.has('TERM'), false, 'a variable build 1 does not get is not written');
    assert.equal(one.has('hostname'), false);
  });
});
