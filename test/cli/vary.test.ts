/**
 * Choosing variations through the CLI, on generated packages built with the host builder
 * from the test mirror: `dated` differs only by the year it is built in, so with the
 * clock not varied it is reproducible, and the verdict, the results and the database say
 * what was not varied. (Real hello 2.10-3 under the same choice: test/explain/hello.test.ts.)
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Mirror, startMirror } from '../helpers/mirror.js';
import { census, cliAsync, fromJson, sandbox, writeConfig } from '../helpers/spool.js';

let mirror: Mirror;
before(async () => {
  mirror = await startMirror([{ name: 'dated', version: '1.0', build: ['mkdir -p out', 'date -u +%Y > out/built-in', 'umask > out/umask'] }]);
});
after(() => mirror.close());

describe('build --vary', () => {
  it('refuses an unknown name, prints the table of a dry run, and records what a check did not vary', async () => {
    const s = sandbox('vary');
    const config = writeConfig(s.dir, { root: 'root', builder: 'host', mirror: mirror.url, suites: ['bookworm'], variations: '-umask' });
    const run = (...args: string[]) => cliAsync(s.root, ['--config', config, ...args]);

    const bogus = await run('build', 'dated', '--arch', 'amd64', '--vary=-bogus');
    assert.equal(bogus.status, 2, bogus.stderr);
    assert.match(bogus.stderr, /unknown variation "bogus" in --vary=-bogus: expected one of /);
    const bare = await run('build', 'dated', '--arch', 'amd64', '--vary=clock');
    assert.equal(bare.status, 2, 'a bare name never silently means "only this one"');
    const dry = await run('--json', 'build', 'dated', '--arch', 'amd64', '--vary=-clock', '--dry-run');
    assert.equal(dry.status, 0, dry.stderr);
    const table = fromJson<{ notVaried: string[]; variations: Array<{ id: string; second: string }> }>(dry.stdout);
    assert.deepEqual(table.notVaried, ['umask', 'clock'], "--vary changes the configuration's choice, it does not replace it");
    assert.equal(table.variations.find((v) => v.id === 'clock')!.second, 'now (not varied)');
    assert.equal(table.variations.find((v) => v.id === 'build-path')!.second, '…/2/$PKG-$VERSION/2nd', 'the others still vary');
    assert.equal(census(s.layout).entries.size, 0, 'a dry run schedules nothing');

    const varied = await run('--json', 'build', 'dated', '--arch', 'amd64', '--vary=+umask');
    assert.equal(fromJson<{ verdict: string }>(varied.stdout).verdict, 'unreproducible', 'umask varied again, with everything else');
    const result = await run('--json', 'build', 'dated', '--arch', 'amd64', '--vary=-clock');
    assert.equal(result.status, 0, result.stderr);
    const verdict = fromJson<{ verdict: string; archive: string }>(result.stdout);
    assert.equal(verdict.verdict, 'reproducible', 'the year it is built in was its only difference');
    assert.match(fs.readFileSync(path.join(verdict.archive, 'verdict'), 'utf8'), /^Not-Varied: umask, clock$/m);
    const second = fs.readFileSync(path.join(verdict.archive, 'build2', 'variations'), 'utf8');
    assert.match(second, /^Not-Varied: umask, clock$/m);
    assert.match(second, /^umask: 0022$/m, 'build 2 got build 1’s umask');
    assert.doesNotMatch(second, /^Clock:/m, 'build 2 ran at the time of day');
    assert.match(second, /^TZ: Etc\/GMT-14$/m, 'every other variation still varied');
    const shown = fromJson<{ verdicts: Array<{ verdict: string; notVaried: string[] }> }>((await run('--json', 'show', 'dated')).stdout);
    assert.deepEqual(
      shown.verdicts.map((v) => [v.verdict, v.notVaried]),
      [
        ['reproducible', ['umask', 'clock']],
        ['unreproducible', []],
      ],
    );
    assert.match((await run('show', 'dated')).stdout, /not varied: umask, clock/);
  });
});
