/**
 * Sources import of a full index: the real bookworm main index from the mirror (taken from
 * the configuration-free apt sources) when reachable, else a generated one of 35,000 stanzas.
 * Baseline in the same run: `xz -dc | grep -c ^Package:`, merely reading the index.
 * Usage: node --import tsx scripts/bench/sources-import.ts [ROUNDS]
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mirrorFromApt, readAptSources } from '../../src/debian/apt-sources.js';
import { parseSourcesIndex, readIndexFile } from '../../src/debian/sources-index.js';
import { download } from '../../src/fetch/download.js';
import { importSources } from '../../src/store/catalogue.js';
import { FileStore } from '../../src/store/file-store.js';
import { generatedSources } from '../../test/helpers/sources.js';
import { compare, report } from './measure.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-import-'));
const index = path.join(dir, 'Sources.xz');

async function obtainIndex(): Promise<string> {
  const mirror = mirrorFromApt(readAptSources(), 'bookworm');
  if (mirror) {
    const got = await download(`${mirror}/dists/bookworm/main/source/Sources.xz`, index, {
      idleTimeoutMs: 20_000,
      deadlineMs: 600_000,
      retries: 1,
      backoffMs: 1000,
      maxBytes: 1 << 30,
    });
    if (got.status === 'ok') return 'the real bookworm main Sources.xz';
    process.stderr.write(`mirror not usable (${got.status}); generating an index instead\n`);
  }
  fs.writeFileSync(path.join(dir, 'Sources'), generatedSources(35_000));
  execSync(`xz -T1 ${JSON.stringify(path.join(dir, 'Sources'))}`);
  return 'a generated Sources.xz of 35,000 stanzas';
}

const what = await obtainIndex();
const settings = { lockStaleMs: 60_000, lockUpdateMs: 15_000, waitMs: 60_000, pollMs: 10 };
let fresh: FileStore;
const populated = new FileStore(path.join(dir, 'populated.db'), settings);
await importSources(populated, parseSourcesIndex(readIndexFile(index)), 'bookworm', 'amd64', new Date());

const results = await compare(
  [
    {
      name: 'xz -dc | grep -c ^Package:',
      prepare: () => undefined,
      run: () => Number(execSync(`xz -dc ${JSON.stringify(index)} | grep -c '^Package:'`, { encoding: 'utf8' })),
    },
    {
      name: 'parse index only',
      prepare: () => undefined,
      run: () => parseSourcesIndex(readIndexFile(index)).length,
    },
    {
      name: 'import into a new reproducible.db',
      prepare: () => {
        fs.rmSync(path.join(dir, 'fresh.db'), { force: true });
        fresh = new FileStore(path.join(dir, 'fresh.db'), settings);
      },
      run: async () => (await importSources(fresh, parseSourcesIndex(readIndexFile(index)), 'bookworm', 'amd64', new Date())).added,
    },
    {
      name: 're-import (nothing changed)',
      prepare: () => undefined,
      run: async () => (await importSources(populated, parseSourcesIndex(readIndexFile(index)), 'bookworm', 'amd64', new Date())).unchanged,
    },
  ],
  ROUNDS,
);
report(`sources import of ${what}, median of ${ROUNDS} interleaved rounds (ops = stanzas or rows)`, results);
fs.rmSync(dir, { recursive: true, force: true });
