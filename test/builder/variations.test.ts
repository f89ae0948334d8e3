import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { wrapperScript } from '../../src/builder/sbuild/scripts.js';
import {
  ALL_VARIED,
  DEFAULT_PATH,
  DISORDERFS_SKIPPED,
  VARIATIONS,
  VARIATION_IDS,
  buildProfile,
  recordedVariations,
  variationTable,
} from '../../src/builder/variations.js';
import { applySpec, formatVaried, parseVaried } from '../../src/builder/variation-spec.js';
import { allowedCpus, cpuAffinity, parseCpuList, personalityPrefix } from '../../src/builder/personality.js';
import { SpoolError } from '../../src/errors.js';
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
      { id: 'parallel', name: 'DEB_BUILD_OPTIONS parallel', first: 'parallel=8', second: 'parallel=3', applied: 'environment' },
      "each node's own CPUs",
    );
    assert.deepEqual(row('TERM, COLUMNS'), { id: 'terminal', name: 'TERM, COLUMNS', first: 'unset, unset', second: 'linux, 77', applied: 'environment' });
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
      const script = wrapperScript(profile, profile.sourceDir('/build', 'hello', '2.10'), profile.faketime, false);
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
    const lines = new Map(
      recordedVariations(profile, { skipped: {}, clock: 'faketime +398d', buildPath: '/build/2/hello-2.10/2nd', cpus: "1 of the node's 2 (taskset -c 0)" }),
    );
    assert.equal(lines.get('umask'), '0002');
    assert.equal(lines.get('TERM'), 'linux');
    assert.equal(lines.get('DEB_BUILD_OPTIONS'), 'parallel=5');
    assert.equal(lines.get('Build-User'), 'pbuilder2 (uid 2222, gid 2222)');
    assert.equal(lines.get('Clock'), 'faketime +398d');
    assert.equal(lines.get('Build-Path'), '/build/2/hello-2.10/2nd');
    assert.equal(lines.get('disorderfs'), 'shuffled directory entries (disorderfs --shuffle-dirents=yes)');
    assert.match(
      new Map(recordedVariations(profile, { skipped: { disorderfs: DISORDERFS_SKIPPED }, clock: undefined, buildPath: 'x', cpus: 'all' })).get('disorderfs')!,
      /^skipped: sbuild's unshare mode gives the build no \/dev\/fuse/,
    );
    const host = new Map(recordedVariations(profile, { skipped: { hostname: 'unshare --uts needs root' }, clock: 'off', buildPath: '2/x', cpus: 'all' }));
    assert.equal(host.get('hostname'), 'skipped: unshare --uts needs root');
    assert.equal(host.get('Clock'), 'off');
    const one = new Map(recordedVariations(buildProfile(1, 'amd64', 4), { skipped: {}, clock: undefined, buildPath: '1st/x', cpus: 'all' }));
    assert.equal(one.has('TERM'), false, 'a variable build 1 does not get is not written');
    assert.equal(one.has('hostname'), false);
    assert.equal(lines.get('CPUs'), "1 of the node's 2 (taskset -c 0)");
    assert.equal(lines.get('ASLR'), "the node's");
    assert.equal(one.get('ASLR'), 'off (setarch --addr-no-randomize)');
    assert.equal(lines.has('Not-Varied'), false, 'every variation varied');
  });

  it('give build 2 what build 1 gets for a variation it does not vary, and leave every other one varied', () => {
    const varied = new Set(VARIATION_IDS.filter((id) => id !== 'clock' && id !== 'timezone'));
    const [one, two] = BUILD_NUMBERS.map((n) => buildProfile(n, 'amd64', 4, varied));
    assert.equal(two!.faketime, undefined, 'no clock moved');
    assert.equal(two!.env.TZ, one!.env.TZ);
    assert.equal(two!.umask, '0002', 'the others still vary');
    assert.equal(two!.user.uid, 2222);
    const lines = new Map(recordedVariations(two!, { skipped: {}, clock: undefined, buildPath: 'x', cpus: 'all' }));
    assert.equal(lines.get('Not-Varied'), 'timezone, clock');
    const table = variationTable('amd64', {}, varied);
    assert.equal(table.find((r) => r.id === 'clock')!.second, 'now (not varied)');
    assert.equal(table.find((r) => r.id === 'umask')!.second, '0002');
    const nothing = buildProfile(2, 'amd64', 4, new Set());
    assert.deepEqual(
      { ...nothing, varied: undefined, sourceDir: undefined },
      { ...one!, varied: undefined, sourceDir: undefined },
      'varying nothing is build 1',
    );
    assert.equal(nothing.sourceDir('/b', 'p', '1'), one!.sourceDir('/b', 'p', '1'));
  });
});

describe('choosing variations (--vary, the variations key)', () => {
  const all = new Set(VARIATION_IDS);
  it('-NAME removes one and keeps every other; +NAME adds one back; =A,B sets exactly', () => {
    const less = applySpec(all, '-clock', '--vary=-clock');
    assert.deepEqual(
      [...all].filter((id) => !less.has(id)),
      ['clock'],
    );
    assert.equal(less.size, VARIATION_IDS.length - 1);
    assert.deepEqual([...applySpec(less, '+clock,-umask', 'x')].sort(), VARIATION_IDS.filter((id) => id !== 'umask').sort());
    assert.deepEqual([...applySpec(all, '=build-path,clock', 'x')].sort(), ['build-path', 'clock']);
  });

  it('refuses an unknown name, a bare name and an empty one, naming the value and what was expected', () => {
    assert.throws(
      () => applySpec(all, '-bogus', '--vary=-bogus'),
      (e: unknown) =>
        e instanceof SpoolError && e.kind === 'usage' && /unknown variation "bogus" in --vary=-bogus: expected one of terminal, shell/.test(e.message),
    );
    assert.throws(
      () => applySpec(all, 'clock', '--vary=clock'),
      (e: unknown) => e instanceof SpoolError && /"clock" has no sign: expected -NAME/.test(e.message),
    );
    assert.throws(
      () => applySpec(all, '=clock,', 'x'),
      (e: unknown) => e instanceof SpoolError && /no empty name/.test(e.message),
    );
  });

  it("write the choice into an entry's Variations field and read it back; a name a node does not know is an integrity error", () => {
    assert.equal(parseVaried(undefined, 'x'), ALL_VARIED, 'an entry without the field varies everything');
    const some = applySpec(all, '=umask,clock', 'x');
    assert.equal(formatVaried(some), 'umask, clock');
    assert.deepEqual([...parseVaried(formatVaried(some), 'x')], [...some]);
    assert.equal(formatVaried(new Set()), 'none');
    assert.equal(parseVaried('none', 'x').size, 0);
    assert.throws(
      () => parseVaried('umask, warp-drive', 'the entry'),
      (e: unknown) => e instanceof SpoolError && e.kind === 'integrity' && /"warp-drive"/.test(e.message),
    );
  });
});

describe('the wrappers of a whole build', () => {
  it('turn ASLR off in build 1 and uname 2.6 on in build 2, with setarch', () => {
    const [one, two] = BUILD_NUMBERS.map((n) => buildProfile(n, 'amd64', 4));
    assert.deepEqual(personalityPrefix(one!).slice(2), ['--addr-no-randomize']);
    assert.deepEqual(personalityPrefix(two!).slice(2), ['--uname-2.6']);
    assert.deepEqual(personalityPrefix(buildProfile(2, 'amd64', 4, new Set(VARIATION_IDS.filter((id) => id !== 'kernel' && id !== 'aslr')))).slice(2), [
      '--addr-no-randomize',
    ]);
  });

  it('give build 2 one CPU fewer than the node lets it use, and say skipped on a one-CPU node', () => {
    assert.deepEqual(parseCpuList('0-3,6\n'), [0, 1, 2, 3, 6]);
    assert.deepEqual(allowedCpus('Name:\tx\nCpus_allowed_list:\t2-4\n'), [2, 3, 4]);
    const two = buildProfile(2, 'amd64', 4);
    assert.deepEqual(cpuAffinity(two, [0, 1, 2]), { prefix: ['taskset', '-c', '0,1'], recorded: "2 of the node's 3 (taskset -c 0,1)" });
    assert.deepEqual(cpuAffinity(buildProfile(1, 'amd64', 4), [0, 1, 2]), { prefix: [], recorded: "all 3 of the node's" });
    assert.match(cpuAffinity(two, [0]).skipped!, /1 CPU: there is no smaller count/);
    assert.throws(
      () => parseCpuList('0-x'),
      (e: unknown) => e instanceof SpoolError && /"0-x" is not one/.test(e.message),
    );
  });
});
