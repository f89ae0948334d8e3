/**
 * Archive bytes per check, before and after `archive prune`, for real Debian packages
 * checked by the real local check (sbuild in the base chroot the tests share, sources
 * and build dependencies from the mirror of the system's apt sources), and a year of one
 * package projected at the scheduler's 9-day re-test cadence: every check kept whole
 * (the baseline: what the archive did before retention) against the retention rules
 * (no .debs but an unreproducible package's latest check's).
 * Usage: node --import tsx scripts/bench/archive-bytes.ts [PKG ...]   (default: hello cowsay)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { walkArchive } from '../../src/archive/checks.js';
import { forArch } from '../../src/config/scheduler.js';
import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { Layout } from '../../src/spool/layout.js';
import { testChroot } from '../../test/helpers/chroot.js';
import { cliAsync } from '../../test/helpers/spool.js';

const PACKAGES = process.argv.length > 2 ? process.argv.slice(2) : ['hello', 'cowsay'];
const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
const CHECKS_A_YEAR = Math.ceil((365 * 86_400_000) / forArch(DEFAULT_SETTINGS.scheduler.retestAfterMs, arch));

function bytes(target: string, only?: RegExp): number {
  const stat = fs.lstatSync(target);
  if (!stat.isDirectory()) return only && !only.test(path.basename(target)) ? 0 : stat.size;
  return fs.readdirSync(target).reduce((sum, name) => sum + bytes(path.join(target, name), only), 0);
}

const chroot = path.join(await testChroot(arch), `bookworm_${arch}.tar`);
const rows: string[] = [];
for (const pkg of PACKAGES) {
  const root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-archive-')), 'root');
  fs.mkdirSync(path.join(root, 'chroots'), { recursive: true });
  fs.copyFileSync(chroot, path.join(root, 'chroots', `bookworm_${arch}.tar`));
  const checked = await cliAsync(root, ['--json', 'build', pkg, '--suite', 'bookworm']);
  if (checked.status !== 0) throw new Error(`${pkg}: the check exited ${checked.status}: ${checked.stderr}`);
  const { verdict } = JSON.parse(checked.stdout) as { verdict: string };
  const [check] = walkArchive(new Layout(root)).checks;
  if (!check) throw new Error(`${pkg}: nothing archived`);
  const whole = bytes(check.dir);
  const debs = bytes(check.dir, /\.u?deb$/);
  const pruned = await cliAsync(root, ['--json', 'archive', 'prune']);
  if (pruned.status !== 0) throw new Error(`archive prune exited ${pruned.status}: ${pruned.stderr}`);
  // The latest check as kept (an unreproducible one keeps its .debs for keepDebsDays), every older one without .debs.
  const latest = bytes(check.dir);
  const older = whole - debs;
  const yearBefore = CHECKS_A_YEAR * whole;
  const yearAfter = (CHECKS_A_YEAR - 1) * older + latest;
  rows.push(
    `  ${pkg.padEnd(10)} ${verdict.padEnd(15)} a check ${whole.toLocaleString('en')} bytes (.debs ${debs.toLocaleString('en')}), ` +
      `kept ${latest.toLocaleString('en')} as latest, ${older.toLocaleString('en')} as older; a year of ${CHECKS_A_YEAR} checks: ` +
      `${(yearBefore / 1e6).toFixed(1)} MB kept whole (baseline) → ${(yearAfter / 1e6).toFixed(1)} MB, ${(yearAfter / yearBefore).toFixed(2)}× the baseline`,
  );
  fs.rmSync(path.dirname(root), { recursive: true, force: true });
}
process.stdout.write(`archive bytes per check, before and after archive prune, and a year at the ${CHECKS_A_YEAR}-checks cadence\n${rows.join('\n')}\n`);
