/**
 * A compromised build node for the tests: runs the real CLI (the words after MODE), then
 * tampers with its answer or with the results it left as MODE says, and exits as the CLI
 * did. Only `build`, `exchange` and `info` are tampered with; every other command passes
 * through. For `exchange`, whose results come as a tar stream on stdout, the stream is
 * unpacked aside, tampered with, listed again (as a node that lies consistently would)
 * and packed again.
 * Usage (as a node's configured command): node --import tsx tampering-node.ts MODE CLI-WORDS…
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { ANSWER_MEMBER } from '../../src/remote/exchange-node.js';
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
const isExchange = args.includes('exchange');
const isBuild = isExchange || (args.includes('build') && (args.includes('1') || args.includes('2')));
const isInfo = args.at(-1) === 'info';
const unpacked = isExchange && real.status === 0 ? await unpack(real.stdout) : undefined;
let stdout = unpacked ? unpacked.answer : real.stdout.toString('utf8');

/** Where the results are to tamper with: the node's results directory, or the unpacked stream. */
function results(): string {
  return unpacked?.dir ?? resultsOnNode();
}

function resultsOnNode(): string {
  return (JSON.parse(stdout) as { results: string }).results;
}

async function unpack(stream: Buffer): Promise<{ dir: string; answer: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tampered-'));
  let answer = '';
  const extract = tar.extract();
  extract.on('entry', (header, member, next) => {
    const chunks: Buffer[] = [];
    member.on('data', (c) => chunks.push(c as Buffer));
    member.on('end', () => {
      if (header.name === ANSWER_MEMBER) answer = Buffer.concat(chunks).toString('utf8');
      else fs.writeFileSync(path.join(dir, header.name), Buffer.concat(chunks));
      next();
    });
  });
  await pipeline(Readable.from([stream]), extract);
  return { dir, answer };
}

/** The tampered results as a stream again, with a listing of what is there now. */
async function repack(dir: string, answer: string): Promise<Buffer> {
  const names = fs.readdirSync(dir).sort();
  const listing = names.map((n) => {
    const stat = fs.lstatSync(path.join(dir, n));
    return `${stat.isSymbolicLink() ? 'l' : 'f'} ${stat.size} ${n}\n`;
  });
  // In place, so that an answer tampered into something that is not JSON stays so.
  const text = answer.replace(/"listing":"(?:[^"\\]|\\.)*"/, () => `"listing":${JSON.stringify(listing.join(''))}`);
  const pack = tar.pack();
  pack.entry({ name: ANSWER_MEMBER }, text);
  for (const n of names) {
    const file = path.join(dir, n);
    const stat = fs.lstatSync(file);
    if (stat.isSymbolicLink()) pack.entry({ name: n, type: 'symlink', linkname: fs.readlinkSync(file) });
    else pack.entry({ name: n }, fs.readFileSync(file));
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function rewrite(file: string, change: (text: string) => string): void {
  fs.writeFileSync(file, change(fs.readFileSync(file, 'utf8')));
}

/** The node's own key: a compromised node has it, and signs whatever it tampered with. */
function nodeKey(): SigningKey {
  const onNode = resultsOnNode();
  return new KeyDir(new Layout(onNode.slice(0, onNode.indexOf('/reproducible-results/')))).signingKey();
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
      stdout = stdout.replace(/"durationSeconds": ?[0-9.e+-]+/, '"durationSeconds": 1e999');
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
if (unpacked) process.stdout.write(await repack(unpacked.dir, stdout));
else process.stdout.write(stdout);
process.exitCode = real.status ?? 1;
