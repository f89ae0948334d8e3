/**
 * Where a build's time goes, and what the setup levers save: the full local check of a
 * real package (`repro-spool build PKG`) with the levers off (apt update in every build,
 * dpkg's fsyncs and man-db's index as sbuild does them), with apt's update skipped for a
 * young base chroot, and with every lever, interleaved in the same run. Each build's
 * stages come from its result file (Stage-Seconds), sbuild's own Build-Time and
 * Install-Time from its log. The ratio that matters is a build's whole duration over
 * sbuild's Build-Time (aim: ≤ 1.3 warm). Round 1 of each variant starts with the node's
 * apt cache emptied (cold); later rounds are warm. Build 1's .debs must be the same
 * bytes in every variant: a lever that changed them would change verdicts.
 * Usage: node --import tsx scripts/bench/build-stages.ts [PKG] [ROUNDS]
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUILD_STAGES, type StageSeconds } from '../../src/builder/stages.js';
import { SCHEDULED } from '../../src/spool/layout.js';
import { openSpool } from '../../src/spool/spool.js';
import { enqueue } from '../../src/spool/transitions/enqueue.js';
import { testChroot } from '../../test/helpers/chroot.js';
import { cliAsync } from '../../test/helpers/spool.js';
import { median } from './measure.js';
import { realPackage } from './real-package.js';

const PKG = process.argv[2] ?? 'hello';
const ROUNDS = Number(process.argv[3] ?? 3);
const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-stages-'));
fs.chmodSync(work, 0o755);
const pkg = await realPackage(PKG, work);
const chroots = path.join(work, 'chroots');
fs.mkdirSync(chroots);
fs.copyFileSync(path.join(await testChroot(arch), `bookworm_${arch}.tar`), path.join(chroots, `bookworm_${arch}.tar`)); // fresh: its mtime is now

interface Variant {
  readonly name: string;
  readonly aptUpdateMaxAgeSeconds: number;
  readonly quickSetup: boolean;
}
const VARIANTS: readonly Variant[] = [
  { name: 'levers off (as sbuild does it)', aptUpdateMaxAgeSeconds: 0, quickSetup: false },
  { name: 'no apt update (young chroot)', aptUpdateMaxAgeSeconds: 26 * 3600, quickSetup: false },
  { name: 'every lever (+ quick setup)', aptUpdateMaxAgeSeconds: 26 * 3600, quickSetup: true },
];

interface Measured {
  readonly cold: boolean;
  readonly total: number;
  readonly stages: StageSeconds;
  readonly sbuildBuild: number;
  readonly sbuildInstall: number;
}
const measured = new Map<string, Measured[]>(VARIANTS.map((v) => [v.name, []]));
const verdicts = new Map<string, Set<string>>(VARIANTS.map((v) => [v.name, new Set()]));
const build1Debs = new Set<string>();

function sbuildSummary(log: string, field: string): number {
  return Number(new RegExp(`^${field}: ([0-9]+)$`, 'm').exec(log)?.[1] ?? NaN);
}

async function checkOnce(variant: Variant, round: number): Promise<void> {
  const root = path.join(work, `spool-${round}-${VARIANTS.indexOf(variant)}`);
  fs.mkdirSync(root, { mode: 0o755 });
  const config = path.join(root, 'repro-spool.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      mirror: pkg.mirror,
      suites: ['bookworm'],
      compareWithArchive: false,
      chroots: { dir: chroots, unpackDir: '/dev/shm', quickSetup: variant.quickSetup },
      thresholds: { aptUpdateMaxAgeSeconds: variant.aptUpdateMaxAgeSeconds },
    }),
  );
  if (round === 1) fs.rmSync(path.join(chroots, 'apt-cache'), { recursive: true, force: true });
  const id = { suite: 'bookworm', arch, pkg: pkg.record.name, version: pkg.record.version };
  await enqueue(openSpool(root), SCHEDULED, { id, dscSha256: pkg.dscSha256, extra: [['Dsc-Url', `${pkg.record.directory}/${pkg.record.dscName}`]] });
  const result = await cliAsync(root, ['--config', config, '--json', 'build', PKG, '--arch', arch]);
  if (result.status !== 0) throw new Error(`the check failed (${variant.name}): ${result.stderr.slice(-2000)}`);
  const verdict = JSON.parse(result.stdout) as {
    verdict: string;
    archive: string;
    builds: Array<{ buildNumber: number; durationSeconds: number; stageSeconds?: StageSeconds }>;
  };
  verdicts.get(variant.name)!.add(verdict.verdict);
  for (const b of verdict.builds) {
    const log = execFileSync('zcat', [path.join(verdict.archive, `build${b.buildNumber}`, 'build.log.gz')], { encoding: 'utf8', maxBuffer: 1 << 28 });
    measured.get(variant.name)!.push({
      cold: round === 1 && b.buildNumber === 1,
      total: b.durationSeconds,
      stages: b.stageSeconds ?? {},
      sbuildBuild: sbuildSummary(log, 'Build-Time'),
      sbuildInstall: sbuildSummary(log, 'Install-Time'),
    });
  }
  const dir = path.join(verdict.archive, 'build1');
  const debs = fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.deb'))
    .sort()
    .map(
      (n) =>
        `${n}=${crypto
          .createHash('sha256')
          .update(fs.readFileSync(path.join(dir, n)))
          .digest('hex')}`,
    );
  build1Debs.add(debs.join(' '));
  process.stderr.write(
    `  round ${round}/${ROUNDS} ${variant.name}: ${verdict.verdict}; ${verdict.builds.map((b) => `build ${b.buildNumber} ${b.durationSeconds.toFixed(1)} s`).join(', ')}\n`,
  );
  fs.rmSync(root, { recursive: true, force: true });
}

for (let round = 1; round <= ROUNDS; round++) for (const variant of VARIANTS) await checkOnce(variant, round);

const line = (label: string, rows: readonly Measured[]) => {
  if (rows.length === 0) return `    ${label}: none`;
  const m = (f: (r: Measured) => number) => median(rows.map(f));
  const stages = BUILD_STAGES.map((s) => `${s} ${m((r) => r.stages[s] ?? 0).toFixed(1)}`).join(', ');
  return (
    `    ${label} (${rows.length} builds): total ${m((r) => r.total).toFixed(1)} s = ${stages}; ` +
    `sbuild Build-Time ${m((r) => r.sbuildBuild).toFixed(0)} s, Install-Time ${m((r) => r.sbuildInstall).toFixed(0)} s; ` +
    `total / Build-Time ${m((r) => r.total / r.sbuildBuild).toFixed(2)}×`
  );
};
console.log(`\n${PKG} ${pkg.record.version}: one build's time by stage, medians, ${ROUNDS} interleaved rounds`);
const baseline = median(
  measured
    .get(VARIANTS[0]!.name)!
    .filter((r) => !r.cold)
    .map((r) => r.total),
);
for (const v of VARIANTS) {
  const rows = measured.get(v.name)!;
  const warm = rows.filter((r) => !r.cold);
  console.log(`  ${v.name}: verdicts ${[...verdicts.get(v.name)!].join(', ')}`);
  console.log(
    line(
      'cold apt cache',
      rows.filter((r) => r.cold),
    ),
  );
  console.log(line('warm', warm));
  if (v !== VARIANTS[0] && warm.length > 0) console.log(`    warm total / levers off: ${(median(warm.map((r) => r.total)) / baseline).toFixed(2)}×`);
}
console.log(`  build 1's .debs identical in every variant: ${build1Debs.size === 1 ? 'yes' : `NO (${build1Debs.size} different sets)`}`);
pkg.close();
fs.rmSync(work, { recursive: true, force: true });
