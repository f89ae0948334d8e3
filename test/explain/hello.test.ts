/**
 * explain on a real package: hello 2.10-3 from the real mirror (the system's apt sources),
 * built in the shared base chroot, whose one difference is the year it is compiled in.
 * One of its trials is hello with every variation but the clock (what `--vary=-clock`
 * gives build 2): reproducible.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CHROOT_SUITE, testChroot } from '../helpers/chroot.js';
import { census, cliAsync, fromJson, sandbox, writeConfig } from '../helpers/spool.js';
import { hostArchitecture } from '../../src/debian/host.js';
import { VARIATIONS } from '../../src/builder/variations.js';

describe('explain on a real package', () => {
  it('explains hello 2.10-3: its culprit is the clock, tagged in the report and proved in at most 6 new builds', { timeout: 1_200_000 }, async (t) => {
    const arch = hostArchitecture();
    const s = sandbox('explain-hello');
    const config = writeConfig(s.dir, { root: 'root', suites: [CHROOT_SUITE], chroots: { dir: await testChroot(arch) } });
    const run = (...args: string[]) => cliAsync(s.root, ['--config', config, ...args]);
    const checked = await run('--json', 'build', 'hello=2.10-3');
    assert.equal(checked.status, 0, checked.stderr);
    const check = fromJson<{ verdict: string; differingFiles: Array<{ causes?: string[] }> }>(checked.stdout);
    assert.equal(check.verdict, 'unreproducible');
    assert.ok(
      check.differingFiles.some((f) => f.causes?.some((c) => c.startsWith('clock '))),
      `the compiled-in year is tagged as the clock's: ${JSON.stringify(check.differingFiles)}`,
    );
    const result = await run('--json', 'explain', 'hello');
    assert.equal(result.status, 0, result.stderr);
    const explained = fromJson<{
      verdict: string;
      archive: string;
      explanation: { culprits: string[][]; builds: number; trials: Array<{ varied: string[]; differs: boolean }> };
    }>(result.stdout);
    assert.deepEqual(explained.explanation.culprits, [['clock']]);
    const allButClock = explained.explanation.trials.find((t) => t.varied.length === VARIATIONS.length - 1 && !t.varied.includes('clock'));
    assert.equal(allButClock?.differs, false, `hello with --vary=-clock is reproducible: ${JSON.stringify(explained.explanation.trials)}`);
    assert.ok(explained.explanation.builds <= 6, `${explained.explanation.builds} builds`);
    t.diagnostic(`hello's culprit found in ${explained.explanation.builds} builds`);
    assert.ok(fs.existsSync(path.join(explained.archive, 'diffoscope.txt')), 'the report of the clock alone');
    assert.equal(census(s.layout).entries.size, 0);
  });
});
