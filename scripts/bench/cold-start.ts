/**
 * Cold start of the CLI as cron and Jenkins see it: `repro-spool --version`, `--help` and
 * `status` on an empty spool, against `node -e 0`, interleaved in the same run. Aim: --version within 3×.
 * Usage: node --import tsx scripts/bench/cold-start.ts [RUNS]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initSpoolRoot } from '../../src/spool/root.js';
import { fileURLToPath } from 'node:url';
import { compare, report } from './measure.js';

const RUNS = Number(process.argv[2] ?? 20);
const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/repro-spool.js');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cold-'));
initSpoolRoot(root, new Date());

function command(name: string, args: string[]) {
  return {
    name,
    prepare: () => undefined,
    run: () => {
      const result = spawnSync(process.execPath, args, { stdio: 'ignore' });
      if (result.status !== 0) throw new Error(`${name} exited ${result.status}`);
      return 1;
    },
  };
}

const results = await compare(
  [
    command('node -e 0', ['-e', '0']),
    command('repro-spool --version', [cli, '--version']),
    command('repro-spool --help', [cli, '--help']),
    command('repro-spool status (empty spool)', [cli, '--root', root, 'status']),
  ],
  RUNS,
);
report(`cold start, median of ${RUNS} interleaved runs`, results);
fs.rmSync(root, { recursive: true, force: true });
