/**
 * Reaper scan of a 100,000-entry spool (a main node's scheduled/ for three suites and two
 * architectures, plus inbox and pending entries) against `find ROOT -type f | wc -l` over
 * the same tree, in the same run. Aim: within 3× of find.
 * Usage: node --import tsx scripts/bench/reap-scan.ts [ENTRIES] [ROUNDS]
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Stanza } from '../../src/debian/deb822.js';
import { Layout, PENDING, type Place, SCHEDULED, nodePlace } from '../../src/spool/layout.js';
import { reap } from '../../src/spool/reaper/reap.js';
import { openSpool } from '../../src/spool/spool.js';
import { compare, report } from './measure.js';

const ENTRIES = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-reap-'));
const layout = new Layout(root);
const suites = ['bookworm', 'trixie', 'unstable'];
const arches = ['amd64', 'arm64'];

function place(i: number): Place {
  if (i % 1000 === 0) return PENDING;
  if (i % 100 === 0) return nodePlace('node1');
  return SCHEDULED;
}

process.stderr.write(`building ${ENTRIES} entries under ${root}\n`);
for (let i = 0; i < ENTRIES; i++) {
  const id = { suite: suites[i % 3]!, arch: arches[Math.floor(i / 3) % 2]!, pkg: `pkg${Math.floor(i / 6)}`, version: '1.0-1' };
  const where = place(i);
  const file = layout.entryPath(where, id);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const stanza = Stanza.of([
    ['Source', id.pkg],
    ['Version', id.version],
    ['Suite', id.suite],
    ['Architecture', id.arch],
    ['Dsc-Sha256', 'a'.repeat(64)],
    ['Node', where.state === 'scheduled' ? undefined : 'node1'],
  ]);
  fs.writeFileSync(file, stanza.toString());
}
const spool = openSpool(root);

let found = 0;
const results = await compare(
  [
    {
      name: 'find ROOT -type f | wc -l',
      prepare: () => undefined,
      run: () => (found = Number(execSync(`find ${JSON.stringify(root)} -type f | wc -l`, { encoding: 'utf8' }).trim())),
    },
    {
      name: 'repro-spool reap (full scan)',
      prepare: () => undefined,
      run: async () => {
        const result = await reap(spool);
        const acted = result.actions.filter((a) => a.action !== 'prune-dir');
        if (acted.length > 0) throw new Error(`the benchmark spool should be clean, but the reaper did: ${JSON.stringify(acted.slice(0, 3))}`);
        return result.scanned.entries;
      },
    },
  ],
  ROUNDS,
);
report(`reaper scan of ${found} files (${ENTRIES} entries), median of ${ROUNDS} interleaved rounds`, results);
fs.rmSync(root, { recursive: true, force: true });
