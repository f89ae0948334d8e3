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
import { Layout } from '../../src/spool/layout.js';

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
  explanation: { outcome: string; culprits: string[][]; builds: number; trials: Array<{ varied: string[]; differs: boolean }> };
}

async function checked(pkg: string) {
  const s = sandbox(`explain-${pkg}`);
  const config = writeConfig(s.dir, { root: 'root', builder: 'host', mirror: mirror.url, suites: ['bookworm'] });
  const run = (...args: string[]) => cliAsync(s.root, ['--config', config, ...args]);
  const check = await run('--json', 'build', pkg, '--arch', 'amd64');
  assert.equal(check.status, 0, check.stderr);
  assert.equal(fromJson<{ verdict: string }>(check.stdout).verdict, 'unreproducible');
  return { s, config, run };
}

async function explain(pkg: string): Promise<{ explained: Explained; root: string; run: (...args: string[]) => ReturnType<typeof cliAsync> }> {
  const { s, run } = await checked(pkg);
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
    const { explained, run, root } = await explain('noisy');
    assert.equal(explained.verdict, 'nondeterministic');
    assert.equal(explained.explanation.builds, 1);
    assert.deepEqual(explained.explanation.trials, [{ varied: [], differs: true }], 'the control, and nothing after it');
    const shown = fromJson<{ verdicts: Array<{ verdict: string }> }>((await run('--json', 'show', 'noisy')).stdout);
    assert.equal(shown.verdicts[0]!.verdict, 'nondeterministic');
    assert.equal((await run('dashboard')).status, 0);
    const page = fs.readFileSync(path.join(root, 'dashboard/packages/noisy.html'), 'utf8');
    assert.match(page, /class="verdict v-nondeterministic">nondeterministic</);
    assert.match(page, /nondeterministic: build 1&#39;s own profile gave different packages again \(1 build\)|nondeterministic: build 1's own profile/);
    assert.equal((await run('export', 'json')).status, 0);
  });

  it('refuses what has nothing to explain before scheduling anything: no check, a reproducible one, pruned packages', async () => {
    const { s, run } = await checked('zoned');
    const never = await run('explain', 'named', '--arch', 'amd64');
    assert.equal(never.status, 3, never.stderr);
    assert.match(never.stderr, /named has no check in bookworm\/amd64: build it first/);
    const latest = fromJson<{ verdicts: Array<{ buildDate: string; version: string }> }>((await run('--json', 'show', 'zoned')).stdout).verdicts[0]!;
    const build1 = path.join(s.root, 'archive/bookworm/amd64/zoned/1.0', latest.buildDate.replace(/[:.]/g, '-'), 'build1');
    for (const deb of fs.readdirSync(build1).filter((f) => f.endsWith('.deb'))) fs.rmSync(path.join(build1, deb));
    const pruned = await run('explain', 'zoned', '--arch', 'amd64');
    assert.equal(pruned.status, 2, pruned.stderr);
    assert.match(pruned.stderr, /no longer keeps build 1's packages \(archive prune\): check the package again first/);
    assert.equal(census(s.layout).entries.size, 0, 'nothing was scheduled');
    assert.doesNotMatch(pruned.stderr, /\n\s+at /, 'no stack trace');
  });

  for (const fault of ['explain:after-trial', 'build:before-complete', 'check:after-verdict']) {
    it(`SIGKILL at ${fault}: a reap hands the explanation back, and explain finishes it once, with nothing left in any spool`, async () => {
      const { s, config, run } = await checked('zoned');
      const killed = await cliAsync(s.root, ['--config', config, 'explain', 'zoned', '--arch', 'amd64'], { REPRO_SPOOL_FAULT: fault });
      assert.equal(killed.signal, 'SIGKILL', `reached ${fault}: ${killed.stderr}`);
      assert.equal((await run('reap')).status, 0);
      const waiting = census(s.layout);
      assert.deepEqual([...waiting.entries.values()], [['scheduled']], 'the explanation waits in scheduled/, once');
      const again = await run('--json', 'explain', 'zoned', '--arch', 'amd64');
      assert.equal(again.status, 0, again.stderr);
      const done = fromJson<Explained & { concludedEarlier?: boolean }>(again.stdout);
      if (fault === 'check:after-verdict') assert.equal(done.concludedEarlier, true, 'only the recording and the removal were left');
      else assert.deepEqual(done.explanation.culprits, [['timezone']]);
      assert.equal(census(s.layout).entries.size, 0);
      for (const local of ['local1', 'local2']) {
        const left = census(new Layout(path.join(s.root, 'nodes', local)));
        assert.deepEqual([left.entries.size, left.results.size, left.locks.length], [0, 0, 0], `${local} spool empty`);
      }
      const shown = fromJson<{ verdicts: Array<{ explanation: { culprits: string[][] } | null }> }>((await run('--json', 'show', 'zoned')).stdout);
      assert.deepEqual(
        shown.verdicts.filter((v) => v.explanation).map((v) => v.explanation!.culprits),
        [[['timezone']]],
        'one explanation recorded, not two',
      );
    });
  }
});
