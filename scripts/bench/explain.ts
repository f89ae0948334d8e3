/**
 * Builds per explanation (explain) against reprotest's --auto-build, which always runs
 * 3 + n builds (a control, the control again, everything varied, then each variation in
 * turn). The generated set: every variation as a lone culprit, every pair of independent
 * culprits, every pair that differs only together, and a nondeterministic package; each
 * searched without cause tags and with the culprit tagged (the report named it).
 * Then the same on real builds: generated packages from a local mirror, each differing
 * by one or two variations, checked and explained with the host builder, wall time of the
 * explanation against the check's own two builds.
 * Usage: node --import tsx scripts/bench/explain.ts [--search-only]
 */
import fs from 'node:fs';
import path from 'node:path';
import { findCulprits } from '../../src/explain/search.js';
import { VARIATIONS, type VariationId } from '../../src/builder/variations.js';
import { startMirror } from '../../test/helpers/mirror.js';
import { cliAsync, sandbox, writeConfig } from '../../test/helpers/spool.js';

const ALL = VARIATIONS.map((v) => v.id);
const priorOf = new Map<VariationId, number>(VARIATIONS.map((v) => [v.id, v.prior]));
const REPROTEST = 3 + ALL.length;

type Oracle = (varied: readonly VariationId[]) => Promise<boolean>;

async function builds(oracle: Oracle, hinted: readonly VariationId[] = []): Promise<number> {
  const prior = (id: VariationId) => priorOf.get(id)! * (hinted.includes(id) ? 1000 : 1);
  return (await findCulprits(ALL, prior, oracle, 200)).trials.length;
}

function summary(label: string, counts: number[]): void {
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  process.stdout.write(
    `${label.padEnd(44)} ${String(counts.length).padStart(4)} cases  mean ${mean.toFixed(2).padStart(5)}  max ${String(Math.max(...counts)).padStart(2)}  ` +
      `vs reprotest ${REPROTEST}: ${(mean / REPROTEST).toFixed(2)}×\n`,
  );
}

async function generatedSet(): Promise<void> {
  const alone =
    (culprits: VariationId[]): Oracle =>
    async (v) =>
      v.some((id) => culprits.includes(id));
  const together =
    (pair: VariationId[]): Oracle =>
    async (v) =>
      pair.every((id) => v.includes(id));
  const pairs = ALL.flatMap((a, i) => ALL.slice(i + 1).map((b) => [a, b]));
  const weights = ALL.map((id) => priorOf.get(id)!);
  const total = weights.reduce((a, b) => a + b, 0);
  const single = await Promise.all(ALL.map((id) => builds(alone([id]))));
  summary('one culprit, each variation once', single);
  // Weighted by the priors: what a stream of real unreproducible packages would cost if the priors are right.
  const weighted = single.reduce((sum, n, i) => sum + n * weights[i]!, 0) / total;
  process.stdout.write(`${'one culprit, weighted by the priors'.padEnd(44)}             mean ${weighted.toFixed(2).padStart(5)}\n`);
  summary('one culprit, tagged by the report', await Promise.all(ALL.map((id) => builds(alone([id]), [id]))));
  summary('two independent culprits', await Promise.all(pairs.map((p) => builds(alone(p)))));
  summary('two independent culprits, both tagged', await Promise.all(pairs.map((p) => builds(alone(p), p))));
  summary('two that differ only together', await Promise.all(pairs.map((p) => builds(together(p)))));
  summary('nondeterministic', [await builds(async () => true)]);
}

async function realSet(): Promise<void> {
  const packages = [
    { name: 'pathy', culprits: 'build-path', build: ["printf 'int main(void) { return 0; }\\n' > pathy.c", 'mkdir -p out', 'gcc -g -O0 -o out/pathy pathy.c'] },
    { name: 'zoned', culprits: 'timezone', build: ['mkdir -p out', 'date +%z > out/offset'] },
    { name: 'named', culprits: 'hostname', build: ['mkdir -p out', 'hostname > out/host'] },
    { name: 'masked', culprits: 'umask', build: ['mkdir -p out', 'umask > out/umask'] },
    { name: 'homed', culprits: 'home', build: ['mkdir -p out', 'echo "$$HOME" > out/home'] },
    { name: 'twofold', culprits: 'build-path, timezone', build: ['mkdir -p out', 'date +%z > out/offset', 'pwd > out/cwd'] },
  ];
  const mirror = await startMirror(packages.map((p) => ({ name: p.name, version: '1.0', build: p.build })));
  try {
    process.stdout.write(`\nreal builds (host builder, generated packages):\n`);
    for (const pkg of packages) {
      const s = sandbox(`bench-explain-${pkg.name}`);
      const config = writeConfig(s.dir, { root: 'root', builder: 'host', mirror: mirror.url, suites: ['bookworm'] });
      const run = (...args: string[]) => cliAsync(s.root, ['--config', config, '--json', ...args]);
      let start = performance.now();
      const checked = await run('build', pkg.name, '--arch', 'amd64');
      const checkMs = performance.now() - start;
      if (checked.status !== 0) throw new Error(checked.stderr);
      start = performance.now();
      const result = await run('explain', pkg.name, '--arch', 'amd64');
      const explainMs = performance.now() - start;
      if (result.status !== 0) throw new Error(result.stderr);
      const { explanation } = JSON.parse(result.stdout) as { explanation: { culprits: string[][]; builds: number } };
      process.stdout.write(
        `  ${pkg.name.padEnd(8)} expected ${pkg.culprits.padEnd(22)} found ${explanation.culprits
          .map((g) => g.join('+'))
          .join(', ')
          .padEnd(22)} ` +
          `${explanation.builds} builds (reprotest ${REPROTEST}), ${(explainMs / 1000).toFixed(1)} s = ${(explainMs / checkMs).toFixed(2)}× the check's two builds\n`,
      );
      fs.rmSync(path.dirname(s.root), { recursive: true, force: true });
    }
  } finally {
    await mirror.close();
  }
}

await generatedSet();
if (!process.argv.includes('--search-only')) await realSet();
