import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SCHEDULED } from '../../src/spool/layout.js';
import { FileStore } from '../../src/store/file-store.js';
import { HELLO_AND_WORLD, type Mirror, startMirror } from '../helpers/mirror.js';
import { census, cliAsync, fromJson, id, sandbox } from '../helpers/spool.js';
import { writeConfig } from '../helpers/spool.js';

let mirror: Mirror;
before(async () => (mirror = await startMirror([...HELLO_AND_WORLD, { name: 'zlib-x', version: '1.3' }])));
after(() => mirror.close());

/**
 * A spool whose configuration points at the fixture mirror, with bookworm/amd64 imported
 * from it. The CLI runs asynchronously: the mirror lives in this process and must keep serving.
 */
async function mainNode(mirrorUrl = mirror.url) {
  const s = sandbox('schedule');
  const config = writeConfig(s.dir, {
    root: 'root',
    mirror: mirrorUrl,
    thresholds: { downloadIdleTimeoutSeconds: 1, downloadRetries: 1, downloadBackoffSeconds: 0.01 },
  });
  const run = (...args: string[]) => cliAsync(s.root, ['--config', config, ...args]);
  const imported = await run('--json', 'sources', 'import', '--suite', 'bookworm', '--arch', 'amd64');
  assert.equal(imported.status, 0, imported.stderr);
  return {
    ...s,
    config,
    run,
    store: new FileStore(path.join(s.root, 'reproducible.db'), { lockStaleMs: 10_000, lockUpdateMs: 2_000, waitMs: 10_000, pollMs: 5 }),
  };
}

describe('sources import', () => {
  it('fetches the Sources index from the configured mirror, and a second import changes nothing', async () => {
    const node = await mainNode();
    const again = fromJson((await node.run('--json', 'sources', 'import', '--suite', 'bookworm', '--arch', 'amd64')).stdout);
    assert.deepEqual(again, [{ suite: 'bookworm', architecture: 'amd64', added: 0, updated: 0, unchanged: 3, removed: 0, notForArch: 0, rejectedStanzas: 0 }]);
    const fromFile = await node.run(
      'sources',
      'import',
      '--suite',
      'bookworm',
      '--arch',
      'amd64',
      '--index',
      path.join(mirror.root, 'dists/bookworm/main/source/Sources.gz'),
    );
    assert.match(fromFile.stdout, /0 added, 0 updated, 0 removed, 3 unchanged/);
  });
});

describe('schedule', () => {
  it('puts a package into scheduled/ with the sha256 of its .dsc, its pool path and priority, and records it', async () => {
    const node = await mainNode();
    const result = await node.run(
      '--json',
      'schedule',
      'hello',
      '--suite',
      'bookworm',
      '--arch',
      'amd64',
      '--priority',
      '10',
      '--reason',
      'new upload',
      '--requester',
      'holger',
    );
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(
      fromJson<Array<{ outcome: string }>>(result.stdout).map((r) => r.outcome),
      ['scheduled'],
    );
    const entry = fs.readFileSync(node.layout.entryPath(SCHEDULED, id('hello', '1:2.10')), 'utf8');
    assert.match(entry, new RegExp(`Dsc-Sha256: ${mirror.dsc.hello!.sha256}\\n`));
    assert.match(entry, /Dsc-Url: pool\/main\/h\/hello\/hello_2\.10\.dsc\nPriority: 10\nCategory: manual\nReason: new upload\nRequester: holger\n/);
    const history = await node.store.read((db) => db.all('SELECT name, version, priority, reason, category, requester FROM schedule_history'));
    assert.deepEqual(history, [{ name: 'hello', version: '1:2.10', priority: 10, reason: 'new upload', category: 'manual', requester: 'holger' }]);
    assert.deepEqual(census(node.layout).temps, [], 'the .dsc was thrown away');

    const twice = await node.run('schedule', 'hello'); // suite and arch default as for build: the configuration's first suite, this machine's arch
    assert.equal(twice.status, 3);
    assert.match(twice.stdout, /already-scheduled +hello 1:2\.10: in scheduled/);
  });

  it('--new schedules what was never tested or is newer than its last verdict', async () => {
    const node = await mainNode();
    await node.store.record([
      {
        kind: 'result',
        source: { name: 'world', version: '1.0', suite: 'bookworm', architecture: 'amd64' },
        verdict: 'reproducible',
        buildDate: new Date().toISOString(),
        builds: [],
      },
      {
        kind: 'result',
        source: { name: 'zlib-x', version: '1.2', suite: 'bookworm', architecture: 'amd64' },
        verdict: 'FTBFS',
        buildDate: new Date().toISOString(),
        builds: [],
      },
    ]);
    const result = fromJson<Array<{ pkg: string; outcome: string }>>(
      (await node.run('--json', 'schedule', '--new', '--suite', 'bookworm', '--arch', 'amd64')).stdout,
    );
    assert.deepEqual(
      result.map((r) => `${r.pkg}:${r.outcome}`),
      ['hello:scheduled', 'zlib-x:scheduled'],
    );
  });

  it('refuses what the mirror serves differently from the catalogue (exit 5), a missing .dsc (exit 1), an unknown package (exit 2)', async () => {
    const node = await mainNode();
    mirror.fault(mirror.dsc.hello!.path, 'corrupt');
    try {
      const mismatch = await node.run('schedule', 'hello', '--suite', 'bookworm', '--arch', 'amd64');
      assert.equal(mismatch.status, 5);
      assert.match(mismatch.stdout, /checksum-mismatch +hello .*the catalogue says/);
    } finally {
      mirror.fault(mirror.dsc.hello!.path, undefined);
    }
    mirror.fault(mirror.dsc.world!.path, 'missing');
    try {
      assert.equal((await node.run('schedule', 'world', '--suite', 'bookworm', '--arch', 'amd64')).status, 1);
    } finally {
      mirror.fault(mirror.dsc.world!.path, undefined);
    }
    const unknown = await node.run('schedule', 'nosuch', '--suite', 'bookworm', '--arch', 'amd64');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stdout, /unknown +nosuch : not in the bookworm\/amd64 catalogue/);
    assert.equal(census(node.layout).entries.size, 0, 'nothing was scheduled');
  });

  it('never schedules a blacklisted package: records the verdict blacklisted with the reason once per version, and names a bad line', async () => {
    const node = await mainNode();
    const blacklist = path.join(node.dir, 'blacklist.txt');
    const config = fromJson(fs.readFileSync(node.config, 'utf8'));
    fs.writeFileSync(node.config, JSON.stringify({ ...config, blacklist: 'blacklist.txt' }));
    fs.writeFileSync(blacklist, '# PKG [SUITE/ARCH ...] # reason\nhello   # takes the nodes down\nworld trixie/amd64\n');
    const first = await node.run('--json', 'schedule', '--new', '--suite', 'bookworm', '--arch', 'amd64');
    assert.equal(first.status, 0, first.stderr);
    const outcomes = (JSON.parse(first.stdout) as Array<{ pkg: string; outcome: string; detail?: string }>).map(
      (r) => `${r.pkg}:${r.outcome}${r.outcome === 'blacklisted' ? `:${r.detail}` : ''}`,
    );
    assert.deepEqual(outcomes, ['hello:blacklisted:takes the nodes down', 'world:scheduled', 'zlib-x:scheduled'], 'world is blacklisted in trixie only');
    assert.deepEqual([...census(node.layout).entries.keys()].sort(), ['bookworm/amd64/world_1.0', 'bookworm/amd64/zlib-x_1.3']);
    const verdicts = () => node.store.read((db) => db.all("SELECT name, version, verdict, detail FROM result_history WHERE verdict = 'blacklisted'"));
    assert.deepEqual(await verdicts(), [{ name: 'hello', version: '1:2.10', verdict: 'blacklisted', detail: 'takes the nodes down' }]);

    const explicit = await node.run('schedule', 'hello');
    assert.equal(explicit.status, 3, 'nothing done');
    assert.match(explicit.stdout, /blacklisted +hello 1:2\.10: takes the nodes down/);
    assert.equal((await verdicts()).length, 1, 'recorded once per version');
    assert.match((await node.run('show', 'hello')).stdout, /blacklisted\n +takes the nodes down/);

    fs.writeFileSync(blacklist, 'hello bookworm-amd64\n');
    const bad = await node.run('schedule', 'world');
    assert.equal(bad.status, 2);
    assert.equal(
      bad.stderr.trim(),
      `repro-spool: ${blacklist} line 1: "bookworm-amd64" is not SUITE/ARCH (expected "PKG [SUITE/ARCH ...] # reason", e.g. "hello bookworm/amd64")`,
    );
  });

  it('says the mirror is unreachable with exit 6 and schedules nothing', async () => {
    const node = await mainNode();
    const config = fromJson(fs.readFileSync(node.config, 'utf8'));
    fs.writeFileSync(node.config, JSON.stringify({ ...config, mirror: 'http://127.0.0.1:9' }));
    const result = await node.run('schedule', 'hello', '--suite', 'bookworm', '--arch', 'amd64');
    assert.equal(result.status, 6, result.stderr);
    assert.match(result.stdout, /unreachable +hello .*ECONNREFUSED/);
    assert.equal(census(node.layout).entries.size, 0);
  });
});
