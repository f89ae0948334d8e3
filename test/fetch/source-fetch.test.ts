import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type FetchResult, withFetchedSource } from '../../src/fetch/source-fetch.js';
import { openSpool } from '../../src/spool/spool.js';
import { HELLO_AND_WORLD, type Mirror, startMirror } from '../helpers/mirror.js';
import { reap } from '../../src/spool/reaper/reap.js';
import { PROJECT, sandbox } from '../helpers/spool.js';

const OPTIONS = { idleTimeoutMs: 500, deadlineMs: 60_000, retries: 2, backoffMs: 10, maxBytes: 1 << 20, dscMaxBytes: 1 << 16 };
let mirror: Mirror;
before(async () => (mirror = await startMirror(HELLO_AND_WORLD)));
after(() => mirror.close());

/** Fetches hello and reports the outcome, the files seen inside use(), and what tmp/ holds afterwards. */
async function fetchHello(dscSha256 = mirror.dsc.hello!.sha256, dscPath = mirror.dsc.hello!.path) {
  const s = sandbox('fetch');
  const spool = openSpool(s.root);
  let seen: string[] = [];
  const result: FetchResult = await withFetchedSource(spool, mirror.url, { dscPath, dscSha256 }, OPTIONS, async (r) => {
    if (r.outcome === 'fetched') seen = fs.readdirSync(r.dir).sort();
    return r;
  });
  return { result, seen, leftovers: fs.readdirSync(spool.layout.tmpDir) };
}

describe('fetching a source package from the mirror', () => {
  it('downloads the .dsc and every file it lists, verified, into a temp dir that is gone afterwards', async () => {
    const { result, seen, leftovers } = await fetchHello();
    assert.equal(result.outcome, 'fetched');
    assert.deepEqual(seen, mirror.files.hello!.map((f) => path.basename(f)).sort());
    assert.deepEqual(leftovers, []);
  });

  it('stops at a wrong .dsc hash: checksum-mismatch, nothing else downloaded', async () => {
    const before = mirror.requests.length;
    const { result, leftovers } = await fetchHello('0'.repeat(64));
    assert.equal(result.outcome, 'checksum-mismatch');
    assert.match('detail' in result ? result.detail : '', /the entry expects 0{64}/);
    assert.deepEqual(mirror.requests.slice(before), [mirror.dsc.hello!.path]);
    assert.deepEqual(leftovers, []);
  });

  it('finds a corrupted file by its Checksums-Sha256: checksum-mismatch', async () => {
    const tarball = mirror.files.hello!.find((f) => f.endsWith('.tar.gz'))!;
    mirror.fault(tarball, 'corrupt');
    try {
      const { result, leftovers } = await fetchHello();
      assert.equal(result.outcome, 'checksum-mismatch');
      assert.match('detail' in result ? result.detail : '', /hello_2\.10\.tar\.gz: sha256 [0-9a-f]{64} .*the \.dsc says/);
      assert.deepEqual(leftovers, []);
    } finally {
      mirror.fault(tarball, undefined);
    }
  });

  it('answers E404 for a missing .dsc or file, without retrying', async () => {
    const missing = await fetchHello(undefined, 'pool/main/h/hello/hello_9.9.dsc');
    assert.equal(missing.result.outcome, 'E404');
    const tarball = mirror.files.hello!.find((f) => f.endsWith('.tar.gz'))!;
    mirror.fault(tarball, 'missing');
    try {
      const before = mirror.requests.length;
      const { result, leftovers } = await fetchHello();
      assert.equal(result.outcome, 'E404');
      assert.equal(mirror.requests.slice(before).filter((r) => r === tarball).length, 1);
      assert.deepEqual(leftovers, []);
    } finally {
      mirror.fault(tarball, undefined);
    }
  });

  for (const fault of ['drop', 'stall'] as const) {
    it(`retries a connection that is ${fault === 'drop' ? 'dropped mid-body' : 'stalled past the idle timeout'}, then reports unreachable`, async () => {
      const tarball = mirror.files.hello!.find((f) => f.endsWith('.tar.gz'))!;
      mirror.fault(tarball, fault);
      try {
        const before = mirror.requests.length;
        const { result, leftovers } = await fetchHello();
        assert.equal(result.outcome, 'unreachable');
        assert.match(
          'detail' in result ? result.detail : '',
          fault === 'drop' ? /(connection dropped|aborted|socket hang up).*after 3 attempts/ : /no data for 500 ms .*after 3 attempts/,
        );
        assert.equal(mirror.requests.slice(before).filter((r) => r === tarball).length, 3);
        assert.deepEqual(leftovers, []);
      } finally {
        mirror.fault(tarball, undefined);
      }
    });
  }

  it('rides out a transient 503 by retrying', async () => {
    mirror.fault(mirror.dsc.hello!.path, 'flaky');
    const { result } = await fetchHello();
    assert.equal(result.outcome, 'fetched');
  });

  it('refuses a Dsc-Url that leaves the pool', async () => {
    await assert.rejects(fetchHello(undefined, 'pool/../../etc/passwd.dsc'), /invalid Dsc-Url "pool\/\.\.\/\.\.\/etc\/passwd\.dsc"/);
  });
});

describe('a fetch killed mid-download', () => {
  it('leaves a temp dir that the reaper removes, since its writer is gone', async () => {
    const s = sandbox('fetch-crash');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(PROJECT, 'test/helpers/fetcher.ts'), s.root, mirror.url, mirror.dsc.hello!.path, mirror.dsc.hello!.sha256],
      {
        cwd: PROJECT,
        env: { ...process.env, REPRO_SPOOL_FAULT: 'fetch:after-dsc' },
      },
    );
    const [, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    assert.equal(signal, 'SIGKILL');
    const spool = openSpool(s.root);
    assert.equal(fs.readdirSync(spool.layout.tmpDir).length, 1, 'the partial download is still there');
    const report = await reap(spool);
    assert.deepEqual(
      report.actions.map((a) => a.action),
      ['remove-temp'],
    );
    assert.deepEqual(fs.readdirSync(spool.layout.tmpDir), []);
  });
});
