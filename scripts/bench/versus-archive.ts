/**
 * How many of our .debs are the archive's own? Real bookworm packages, each checked in the
 * chroot (`repro-spool build PKG`: two builds, the verdict, and build 1's .debs against
 * the suite's Packages index on the system's mirror), in a fresh root that shares the
 * base chroots of --chroots. Prints each package's verdict and its .debs' outcomes, then
 * the totals: .debs identical to the archive's, differing, absent; packages whose .debs
 * all are the archive's; and wall time per check.
 * Usage: node --import tsx scripts/bench/versus-archive.ts [--chroots DIR] [PKG...]
 * (run `npm run build` first; default --chroots: var/workspace/chroots, made by the README's first command)
 */
import fs from 'node:fs';
import path from 'node:path';
import { CLI, PROJECT, tempDir } from '../../test/helpers/spool.js';
import { spawnSync } from 'node:child_process';

const SAMPLE = [
  'hello',
  'cowsay',
  'figlet',
  'sl',
  'ed',
  'bc',
  'dos2unix',
  'tree',
  'pv',
  'units',
  'wdiff',
  'time',
  'rename',
  'cmatrix',
  'ncdu',
  'moreutils',
  'pwgen',
  'dtach',
  'nocache',
  'hashdeep',
];

const args = process.argv.slice(2);
const at = args.indexOf('--chroots');
const chroots = path.resolve(at < 0 ? path.join(PROJECT, 'var/workspace/chroots') : args.splice(at, 2)[1]!);
const packages = args.length > 0 ? args : SAMPLE;
if (!fs.existsSync(chroots)) throw new Error(`no base chroots in ${chroots}: run \`bin/repro-spool.js build hello\` (the README's first command) first`);
const dir = tempDir('versus-archive-bench');
const config = path.join(dir, 'repro-spool.json');
fs.writeFileSync(config, JSON.stringify({ root: 'root', chroots: { dir: chroots } }));

interface Checked {
  verdict: string;
  versusArchive?: Array<{ deb: string; outcome: string; report?: string; archiveVersion?: string }>;
  versusArchiveUnavailable?: string;
}
const totals: Record<string, number> = { identical: 0, differs: 0, absent: 0 };
let matching = 0;
let compared = 0;
const verdicts: Record<string, number> = {};
const started = performance.now();
for (const pkg of packages) {
  const begun = performance.now();
  const run = spawnSync(process.execPath, [CLI, '--config', config, '--json', 'build', pkg], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (performance.now() - begun) / 1000;
  if (run.status !== 0) {
    process.stdout.write(`${pkg.padEnd(12)} exit ${run.status}: ${run.stderr.trim().split('\n').pop()}\n`);
    continue;
  }
  const checked = JSON.parse(run.stdout) as Checked;
  verdicts[checked.verdict] = (verdicts[checked.verdict] ?? 0) + 1;
  const debs = checked.versusArchive ?? [];
  for (const d of debs) totals[d.outcome] = (totals[d.outcome] ?? 0) + 1;
  if (debs.length > 0) {
    compared++;
    if (debs.every((d) => d.outcome === 'identical')) matching++;
  }
  const outcomes =
    checked.versusArchiveUnavailable ?? debs.map((d) => `${d.deb} ${d.outcome}${d.archiveVersion ? ` (the archive has ${d.archiveVersion})` : ''}`).join(', ');
  process.stdout.write(`${pkg.padEnd(12)} ${checked.verdict.padEnd(15)} ${seconds.toFixed(0).padStart(4)} s  ${outcomes}\n`);
}
const debs = Object.values(totals).reduce((a, b) => a + b, 0);
process.stdout.write(
  `\n${packages.length} packages, ${((performance.now() - started) / 1000 / 60).toFixed(1)} min; verdicts ${JSON.stringify(verdicts)}\n` +
    `.debs of build 1: ${debs}: ${totals.identical} identical to the archive's, ${totals.differs} differ, ${totals.absent} absent\n` +
    `packages whose .debs all are the archive's: ${matching} of ${compared} compared\n`,
);
fs.rmSync(dir, { recursive: true, force: true });
