/**
 * A compromised build node for the tests: runs the real CLI (the words after MODE), then
 * tampers with its answer or with the results it left as MODE says, and exits as the CLI
 * did. Only `build` and `info` are tampered with; every other command passes through.
 * Usage (as a node's configured command): node --import tsx tampering-node.ts MODE CLI-WORDS…
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isBuildProduct } from '../../src/builder/compare.js';
import { Layout } from '../../src/spool/layout.js';
import { KeyDir, type SigningKey } from '../../src/trust/keys.js';
import { REBUILD_LINK, type SignedLink, hashFile, signLink } from '../../src/trust/link.js';

export const TAMPER_MODES = [
  'status-reproducible',
  'duration-infinite',
  'marker-other-node',
  'marker-other-build',
  'no-deb',
  'symlink-in-results',
  'flood',
  'changes-escape',
  'unlisted-product',
  'altered-deb',
  'foreign-key',
  'info-banner',
  'info-inject',
  'info-object',
] as const;
export type TamperMode = (typeof TAMPER_MODES)[number];

const [mode, command, ...args] = process.argv.slice(2) as [TamperMode, string, ...string[]];
const real = spawnSync(command, args, { stdio: ['inherit', 'pipe', 'inherit'], maxBuffer: 1 << 30 });
let stdout = real.stdout.toString('utf8');
const isBuild = args.includes('build') && (args.includes('1') || args.includes('2'));
const isInfo = args.at(-1) === 'info';

function results(): string {
  return (JSON.parse(stdout) as { results: string }).results;
}

function rewrite(file: string, change: (text: string) => string): void {
  fs.writeFileSync(file, change(fs.readFileSync(file, 'utf8')));
}

/** The node's own key: a compromised node has it, and signs whatever it tampered with. */
function nodeKey(): SigningKey {
  return new KeyDir(new Layout(results().slice(0, results().indexOf('/reproducible-results/')))).signingKey();
}

/** Signs the results' link again with key, over the products as they are now. */
function resign(key: SigningKey): void {
  const file = path.join(results(), REBUILD_LINK);
  const link = JSON.parse(fs.readFileSync(file, 'utf8')) as SignedLink;
  const products = Object.fromEntries(
    fs
      .readdirSync(results())
      .filter(isBuildProduct)
      .map((name) => [name, hashFile(path.join(results(), name))]),
  );
  fs.writeFileSync(file, signLink({ ...link.signed, products }, key));
}

function anotherKey(): SigningKey {
  const { privateKey } = crypto.generateKeyPairSync('ed25519');
  const own = nodeKey();
  return { keyid: own.keyid, public: own.public, sign: (data) => crypto.sign(null, Buffer.from(data), privateKey).toString('hex') };
}

if (real.status === 0 && isBuild) {
  switch (mode) {
    case 'status-reproducible':
      stdout = JSON.stringify({ ...(JSON.parse(stdout) as object), status: 'reproducible' });
      break;
    case 'duration-infinite':
      stdout = stdout.replace(/"durationSeconds": [0-9.e+-]+/, '"durationSeconds": 1e999');
      break;
    case 'marker-other-node':
      rewrite(path.join(results(), 'result'), (t) => t.replace(/^Node: .*$/m, 'Node: node9'));
      break;
    case 'marker-other-build':
      rewrite(path.join(results(), 'result'), (t) => t.replace(/^Build-Number: .*$/m, 'Build-Number: 7'));
      break;
    case 'no-deb':
      for (const name of fs.readdirSync(results())) if (name.endsWith('.deb')) fs.rmSync(path.join(results(), name));
      break;
    case 'symlink-in-results':
      fs.symlinkSync('/etc', path.join(results(), 'etc.deb'));
      break;
    case 'flood':
      stdout += 'x'.repeat(3 * 1024 * 1024);
      break;
    case 'changes-escape':
      for (const name of fs.readdirSync(results())) {
        if (!name.endsWith('.changes')) continue;
        rewrite(path.join(results(), name), (t) =>
          t
            .replace(/^Files:$/m, `Files:\n ${'0'.repeat(32)} 1 misc optional ../../../../../../dev/zero`)
            .replace(/^Checksums-Sha256:$/m, `Checksums-Sha256:\n ${'0'.repeat(64)} 1 ../../../../../../dev/zero`),
        );
      }
      resign(nodeKey());
      break;
    case 'unlisted-product':
      fs.writeFileSync(path.join(results(), 'extra_1.0_all.deb'), 'not built here');
      break;
    case 'altered-deb':
      for (const name of fs.readdirSync(results())) if (name.endsWith('.deb')) fs.appendFileSync(path.join(results(), name), 'x');
      break;
    case 'foreign-key':
      resign(anotherKey());
      break;
  }
}
if (real.status === 0 && isInfo) {
  switch (mode) {
    case 'info-banner':
      stdout = `Welcome to node1! Unauthorised access is prohibited.\n${stdout}`;
      break;
    case 'info-inject':
      stdout = JSON.stringify({ ...(JSON.parse(stdout) as object), KERNEL: 'x\nARCH=evil' });
      break;
    case 'info-object':
      stdout = JSON.stringify({ ...(JSON.parse(stdout) as object), KERNEL: { version: 6 } });
      break;
  }
}
process.stdout.write(stdout);
process.exitCode = real.status ?? 1;
