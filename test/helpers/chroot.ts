/**
 * The one base chroot the builder tests share, made once per machine by the real
 * `repro-spool chroot create` (mmdebstrap from the system's apt sources, about a minute)
 * and reused while younger than a week. Kept under var/ in the checkout (never committed).
 * Test files that run at once wait for each other through the command's own lock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EXIT_CODES } from '../../src/errors.js';
import { PROJECT, cliAsync } from './spool.js';
import { sleep } from '../../src/retry.js';

export const CHROOT_SUITE = 'bookworm';
export const CHROOT_DIR = path.join(PROJECT, 'var/test-chroots');
const MAX_AGE_MS = 7 * 24 * 3600_000;

export async function testChroot(arch = 'amd64'): Promise<string> {
  const tarball = path.join(CHROOT_DIR, `${CHROOT_SUITE}_${arch}.tar`);
  const root = path.join(CHROOT_DIR, 'root');
  fs.mkdirSync(root, { recursive: true });
  const config = path.join(CHROOT_DIR, 'repro-spool.json');
  fs.writeFileSync(config, JSON.stringify({ root: 'root', suites: [CHROOT_SUITE], chroots: { dir: '.' } }));
  const fresh = () => fs.existsSync(tarball) && Date.now() - fs.statSync(tarball).mtimeMs < MAX_AGE_MS;
  while (!fresh()) {
    const made = await cliAsync(root, ['--config', config, 'chroot', 'update', '--suite', CHROOT_SUITE, '--arch', arch]);
    if (made.status === 0) break;
    if (made.status !== EXIT_CODES.busy) throw new Error(`could not make the test chroot: ${made.stderr}`);
    await sleep(2000); // another test file is making it
  }
  return CHROOT_DIR;
}
