/**
 * Choosing variations on a real package: hello 2.10-3 from the real mirror (the system's
 * apt sources), built in the shared base chroot. Its only difference under the full
 * table is the year it was built in; with the clock not varied it is reproducible, and
 * the verdict, the results and the database say what was not varied.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CHROOT_SUITE, testChroot } from '../helpers/chroot.js';
import { census, cliAsync, fromJson, sandbox, writeConfig } from '../helpers/spool.js';
import { hostArchitecture } from '../../src/debian/host.js';

describe('build --vary on a real package', () => {
  it('finds hello 2.10-3 reproducible with --vary=-clock, and records that the clock was not varied', { timeout: 900_000 }, async () => {
    const arch = hostArchitecture();
    const s = sandbox('vary');
    const config = writeConfig(s.dir, { root: 'root', suites: [CHROOT_SUITE], chroots: { dir: await testChroot(arch) } });
    const run = (...args: string[]) => cliAsync(s.root, ['--config', config, ...args]);

    const bogus = await run('build', 'hello=2.10-3', '--vary=-bogus');
    assert.equal(bogus.status, 2, bogus.stderr);
    assert.match(bogus.stderr, /unknown variation "bogus" in --vary=-bogus: expected one of /);
    const dry = await run('--json', 'build', 'hello=2.10-3', '--vary=-clock', '--dry-run');
    assert.equal(dry.status, 0, dry.stderr);
    const table = fromJson<{ notVaried: string[]; variations: Array<{ id: string; second: string }> }>(dry.stdout);
    assert.deepEqual(table.notVaried, ['clock']);
    assert.equal(table.variations.find((v) => v.id === 'clock')!.second, 'now (not varied)');
    assert.equal(census(s.layout).entries.size, 0, 'a dry run schedules nothing');

    const result = await run('--json', 'build', 'hello=2.10-3', '--vary=-clock');
    assert.equal(result.status, 0, result.stderr);
    const verdict = fromJson<{ verdict: string; archive: string }>(result.stdout);
    assert.equal(verdict.verdict, 'reproducible', 'the year hello is built in is its only difference');
    assert.match(fs.readFileSync(path.join(verdict.archive, 'verdict'), 'utf8'), /^Not-Varied: clock$/m);
    const second = fs.readFileSync(path.join(verdict.archive, 'build2', 'variations'), 'utf8');
    assert.match(second, /^Not-Varied: clock$/m);
    assert.doesNotMatch(second, /^Clock:/m, 'build 2 ran at the time of day');
    assert.match(second, /^Build-User: pbuilder2/m, 'every other variation still varied');
    const shown = fromJson<{ verdicts: Array<{ verdict: string; notVaried: string[] }> }>((await run('--json', 'show', 'hello')).stdout);
    assert.deepEqual(
      shown.verdicts.map((v) => [v.verdict, v.notVaried]),
      [['reproducible', ['clock']]],
    );
  });
});
