/**
 * explain through the CLI on generated packages whose only difference is known, built
 * with the host builder from the test mirror: each finds exactly its culprit, two
 * independent culprits are both found, and a package that writes random bytes is
 * nondeterministic after its control build.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Mirror, startMirror } from '../helpers/mirror.js';
import { census, cliAsync, fromJson, sandbox, writeConfig } from '../helpers/spool.js';
import { VARIATIONS } from '../../src/builder/variations.js';

let mirror: Mirror;
before(async () => {
  mirror = await startMirror([
    { name: 'pathy', version: '1.0', build: ["printf 'int main(void) { return 0; }\\n' > pathy.c", 'mkdir -p out', 'gcc -g -O0 -o out/pathy pathy.c'] },
    { name: 'zoned', version: '1.0', build: ['mkdir -p out', 'date +%z > out/offset'] },
    { name: 'named', version: '1.0', build: ['mkdir -p out', 'hostname > out/host'] },
    { name: 'twofold', version: '1.0', build: ['mkdir -p out', 'date +%z > out/offset', 'pwd > out/cwd'] },
    { name: 'noisy', version: '1.0', build: ['mkdir -p out', 'head -c 16 /dev/urandom | od -An -tx1 > out/noise'] },
  ]);
});
after(() => mirror.close());

interface Explained {
  verdict: string;
  detail: string;
  archive: string;
  explanation: { outcome: string; culprits: string[][]; builds: number };
}

async function explain(pkg: string): Promise<{ explained: Explained; root: string; run: (...args: string[]) => ReturnType<typeof cliAsync> }> {
  const s = sandbox(`explain-${pkg}`);
  const config = writeConfig(s.dir, { root: 'root', builder: 'host', mirror: mirror.url, suites: ['bookworm'] });
  const run = (...args: string[]) => cliAsync(s.root, ['--config', config, ...args]);
  const checked = await run('--json', 'build', pkg, '--arch', 'amd64');
  assert.equal(checked.status, 0, checked.stderr);
  assert.equal(fromJson<{ verdict: string }>(checked.stdout).verdict, 'unreproducible');
  const result = await run('--json', 'explain', pkg, '--arch', 'amd64');
  assert.equal(result.status, 0, result.stderr);
  assert.equal(census(s.layout).entries.size, 0, 'the explanation left no entry behind');
  return { explained: fromJson<Explained>(result.stdout), root: s.root, run };
}

const n = VARIATIONS.length;

describe('explain', () => {
  for (const [pkg, culprit] of [
    ['pathy', 'build-path'],
    ['zoned', 'timezone'],
    ['named', 'hostname'],
  ] as const) {
    it(`finds exactly the culprit of a package that differs by the ${culprit} alone, in fewer builds than reprotest`, async () => {
      const { explained, run } = await explain(pkg);
      assert.equal(explained.verdict, 'unreproducible');
      assert.deepEqual(explained.explanation.culprits, [[culprit]], explained.detail);
      assert.ok(explained.explanation.builds < 3 + n, `${explained.explanation.builds} builds, reprotest ${3 + n}`);
      const verdictFile = fs.readFileSync(path.join(explained.archive, 'verdict'), 'utf8');
      assert.match(verdictFile, new RegExp(`^Culprits: ${culprit}$`, 'm'));
      assert.match(verdictFile, /^Explained: explained$/m);
      assert.match(fs.readFileSync(path.join(explained.archive, 'build2', 'variations'), 'utf8'), new RegExp(`^Not-Varied: (?!.*\\b${culprit}\\b)`, 'm'));
      assert.ok(fs.existsSync(path.join(explained.archive, 'diffoscope.txt')), 'the report of the culprit alone');
      assert.deepEqual(
        fs.readdirSync(explained.archive).filter((f) => f.startsWith('trial')),
        [],
        'only the reported trial is kept',
      );
      const shown = fromJson<{ verdicts: Array<{ explanation: { culprits: string[][] } | null }> }>((await run('--json', 'show', pkg)).stdout);
      assert.deepEqual(shown.verdicts[0]!.explanation?.culprits, [[culprit]]);
      const human = await run('show', pkg);
      assert.match(human.stdout, new RegExp(`explained: ${culprit} \\(\\d+ builds\\)`));
    });
  }

  it('finds both of two independent culprits', async () => {
    const { explained } = await explain('twofold');
    assert.deepEqual(explained.explanation.culprits.map((g) => g.join()).sort(), ['build-path', 'timezone']);
  });

  it('says nondeterministic after the control build alone, everywhere the verdict appears', async () => {
    const { explained, run } = await explain('noisy');
    assert.equal(explained.verdict, 'nondeterministic');
    assert.equal(explained.explanation.builds, 1);
    const shown = fromJson<{ verdicts: Array<{ verdict: string }> }>((await run('--json', 'show', 'noisy')).stdout);
    assert.equal(shown.verdicts[0]!.verdict, 'nondeterministic');
    assert.equal((await run('dashboard')).status, 0);
    assert.equal((await run('export', 'json')).status, 0);
  });
});
