import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Mirror, startMirror } from '../helpers/mirror.js';
import { cliAsync, fromJson, sandbox, writeConfig } from '../helpers/spool.js';

let mirror: Mirror;
before(async () => {
  mirror = await startMirror([
    { name: 'steady', version: '1.0', build: ['mkdir -p out', 'echo constant > out/data'] },
    { name: 'broken', version: '1.0', build: ['false'] },
  ]);
});
after(() => mirror.close());

describe('db rebuild --from-archive', () => {
  it('gives back the verdicts of a lost reproducible.db from the archive, and the catalogue; a second run adds nothing', async () => {
    const s = sandbox('rebuild');
    const config = writeConfig(s.dir, { root: 'root', builder: 'host', mirror: mirror.url, suites: ['bookworm'], thresholds: { downloadRetries: 0 } });
    const run = (...args: string[]) => cliAsync(s.root, ['--config', config, ...args]);
    for (const pkg of ['steady', 'broken']) assert.equal((await run('build', pkg, '--arch', 'amd64')).status, 0);
    const shown = async () =>
      Promise.all(
        ['steady', 'broken'].map(async (pkg) => {
          const result = await run('--json', 'show', pkg);
          assert.equal(result.status, 0, result.stderr);
          return fromJson<unknown>(result.stdout);
        }),
      );
    const before = await shown();
    for (const name of fs.readdirSync(s.root).filter((n) => n.startsWith('reproducible.db'))) fs.rmSync(path.join(s.root, name), { recursive: true });
    // A check killed before its verdict: a record file and no verdict file, which must not come back as a verdict.
    const killed = path.join(s.root, 'archive/bookworm/amd64/steady/1.0/2026-12-01T00-00-00-000Z');
    fs.mkdirSync(killed, { recursive: true });
    fs.writeFileSync(path.join(killed, 'record.json'), '{"kind": "result"}');

    const rebuilt = await run('--json', 'db', 'rebuild', '--from-archive');
    assert.equal(rebuilt.status, 0, rebuilt.stderr);
    const report = fromJson<{ checks: number; added: number; unconcluded: number; catalogue: Array<{ added: number }> }>(rebuilt.stdout);
    assert.deepEqual([report.checks, report.added, report.unconcluded], [2, 2, 1]);
    assert.ok(report.catalogue[0]!.added >= 2, 'the catalogue imported again');
    assert.deepEqual(await shown(), before, 'show answers as before the loss');
    const again = await run('--json', 'db', 'rebuild', '--from-archive', '--no-catalogue');
    assert.equal(again.status, 0, again.stderr);
    assert.equal(fromJson<{ added: number }>(again.stdout).added, 0, 'idempotent');
  });
});
