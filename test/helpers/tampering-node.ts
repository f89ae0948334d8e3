/**
 * A compromised build node for the tests: runs the real CLI (the words after MODE), then
 * tampers with its answer or with the results it left as MODE says, and exits as the CLI
 * did. Only `build` and `info` are tampered with; every other command passes through.
 * Usage (as a node's configured command): node --import tsx tampering-node.ts MODE CLI-WORDS…
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const TAMPER_MODES = [
  'status-reproducible',
  'duration-infinite',
  'marker-other-node',
  'marker-other-build',
  'no-deb',
  'symlink-in-results',
  'flood',
  'changes-escape',
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
