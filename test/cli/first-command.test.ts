/**
 * The README's first command, as a newcomer runs it: in a clone inside a 0700 directory
 * (Debian 12 makes home directories 0700), `bin/repro-spool.js build PKG` checks a real
 * Debian package from the mirror of the system's apt sources, spool under ./var. cowsay
 * keeps it short; the base chroot the builder tests share stands in for the one the
 * command would otherwise make first (a minute with mmdebstrap, tested in sbuild.test.ts).
 * Its builds' links verify, and its .deb is looked up in the real archive's Packages index.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CHROOT_SUITE, testChroot } from '../helpers/chroot.js';
import { PROJECT, fromJson, tempDir } from '../helpers/spool.js';
import { hostArchitecture } from '../../src/debian/host.js';

function run(cwd: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/repro-spool.js', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe("the README's first command in a clone inside a 0700 home directory", () => {
  it('checks cowsay from the real mirror: reproducible, with the spool under ./var and the home left 0700', { timeout: 900_000 }, async () => {
    const arch = hostArchitecture();
    const chroots = await testChroot(arch);
    const home = tempDir('home');
    fs.chmodSync(home, 0o700);
    const clone = path.join(home, 'repro-spool');
    execFileSync('git', ['clone', '-q', PROJECT, clone]);
    // What `scripts/setup` leaves in a clone: the dependencies and the compiled CLI (the very one under test).
    fs.symlinkSync(path.join(PROJECT, 'node_modules'), path.join(clone, 'node_modules'));
    fs.cpSync(path.join(PROJECT, 'dist'), path.join(clone, 'dist'), { recursive: true });
    const own = path.join(clone, 'var/workspace/chroots');
    fs.mkdirSync(own, { recursive: true });
    fs.copyFileSync(path.join(chroots, `${CHROOT_SUITE}_${arch}.tar`), path.join(own, `${CHROOT_SUITE}_${arch}.tar`));
    const result = await run(clone, ['--json', 'build', 'cowsay']);
    assert.equal(result.status, 0, result.stderr);
    const verdict = fromJson<{ verdict: string; archive: string; versusArchive?: Array<{ deb: string; outcome: string }> }>(result.stdout);
    assert.equal(verdict.verdict, 'reproducible', result.stderr);
    // Against the real archive's Packages index: whatever the outcome, cowsay's .deb was looked up (and it is said which).
    assert.ok(
      verdict.versusArchive?.some((d) => /^cowsay_[^ ]+_all\.deb$/.test(d.deb)),
      `${JSON.stringify(verdict.versusArchive)}\n${result.stderr}`,
    );
    console.log(`# cowsay versus the archive: ${JSON.stringify(verdict.versusArchive)}`);
    // Both builds in the chroot and the verdict are signed, and verify.
    const verified = await run(clone, ['verify', 'cowsay']);
    assert.equal(verified.status, 0, verified.stdout + verified.stderr);
    assert.ok(path.resolve(clone, verdict.archive).startsWith(path.join(clone, 'var/workspace/archive/')), verdict.archive);
    assert.equal(fs.statSync(home).mode & 0o777, 0o700, 'nobody had to open the home to other users');
    // The real check published as tracker.debian.org reads it, then the dashboard that links it.
    const exported = await run(clone, ['--json', 'export', 'json']);
    assert.equal(exported.status, 0, exported.stderr);
    const tracker = fromJson<Array<{ package: string; status: string; architecture_details: Array<{ architecture: string }> }>>(
      fs.readFileSync(path.join(clone, 'var/workspace/dashboard/reproducible-tracker.json'), 'utf8'),
    );
    assert.deepEqual(
      tracker.map((e) => [e.package, e.status, e.architecture_details.map((d) => d.architecture)]),
      [['cowsay', 'reproducible', [arch]]],
    );
    assert.equal((await run(clone, ['dashboard'])).status, 0);
  });
});
