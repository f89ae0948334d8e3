import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { download } from '../../src/fetch/download.js';
import { withFetchedSource } from '../../src/fetch/source-fetch.js';
import { openSpool } from '../../src/spool/spool.js';
import { sandbox, tempDir } from '../helpers/spool.js';

const OPTIONS = { idleTimeoutMs: 500, deadlineMs: 1500, retries: 2, backoffMs: 10, maxBytes: 1 << 20 };

/** A dsc that lists itself among its files: fetching it would write over itself. */
const SELF_DSC = `Format: 3.0 (native)\nSource: selfish\nVersion: 1.0\nChecksums-Sha256:\n ${'a'.repeat(64)} 10 selfish_1.0.dsc\n`;

interface Server {
  readonly url: string;
  readonly requests: string[];
  close(): Promise<void>;
}

/** A hostile mirror: each path does one bad thing. */
async function startHostile(elsewhere: string): Promise<Server> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    switch (req.url) {
      case '/ok':
        return res.end('fine');
      case '/to-ok':
        return res.writeHead(302, { location: '/ok' }).end();
      case '/to-elsewhere':
        return res.writeHead(302, { location: `${elsewhere}/ok` }).end();
      case '/to-file':
        return res.writeHead(301, { location: 'file:///etc/passwd' }).end();
      case '/loop':
        return res.writeHead(302, { location: '/loop' }).end();
      case '/forbidden':
        return res.writeHead(403).end();
      case '/trickle': {
        res.writeHead(200, { 'content-length': '1000' });
        const timer = setInterval(() => res.write('x'), 100); // never idle for 500 ms, never done
        res.on('close', () => clearInterval(timer));
        return;
      }
      case '/pool/main/s/selfish/selfish_1.0.dsc':
        return res.end(SELF_DSC);
      default:
        return res.writeHead(404).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let other: Server;
let hostile: Server;
before(async () => {
  other = await startHostile('http://127.0.0.1:9');
  hostile = await startHostile(other.url);
});
after(async () => {
  await hostile.close();
  await other.close();
});

const target = () => path.join(tempDir('download'), 'file');

describe('downloads from a hostile mirror', () => {
  it('follows a redirect within the mirror', async () => {
    const file = target();
    const got = await download(`${hostile.url}/to-ok`, file, OPTIONS);
    assert.equal(got.status, 'ok');
    assert.equal(fs.readFileSync(file, 'utf8'), 'fine');
  });

  it('never follows a redirect to another host or port, and says where it led', async () => {
    const before = other.requests.length;
    const got = await download(`${hostile.url}/to-elsewhere`, target(), OPTIONS);
    assert.equal(got.status, 'unreachable');
    assert.match('reason' in got ? got.reason : '', /redirects to http:\/\/127\.0\.0\.1:\d+\/ok: only redirects within http:\/\/127\.0\.0\.1:\d+ are followed/);
    assert.equal(other.requests.length, before, 'the other host was never asked');
    assert.equal('attempts' in got ? got.attempts : 0, 1, 'refused at once, not retried');
  });

  it('refuses a redirect to file: without a TypeError', async () => {
    const got = await download(`${hostile.url}/to-file`, target(), OPTIONS);
    assert.equal(got.status, 'unreachable');
    assert.match('reason' in got ? got.reason : '', /redirects to file:\/\/\/etc\/passwd/);
  });

  it('gives up on a redirect loop and on a 403, each at once', async () => {
    for (const [url, reason] of [
      ['/loop', /more than 5 redirects/],
      ['/forbidden', /HTTP 403/],
    ] as const) {
      const got = await download(`${hostile.url}${url}`, target(), OPTIONS);
      assert.equal(got.status, 'unreachable');
      assert.match('reason' in got ? got.reason : '', reason);
    }
  });

  it('ends a server trickling a byte every 100 ms at the deadline, retries included, leaving no file', async () => {
    const file = target();
    const started = Date.now();
    const got = await download(`${hostile.url}/trickle`, file, OPTIONS);
    const took = Date.now() - started;
    assert.equal(got.status, 'unreachable');
    assert.match('reason' in got ? got.reason : '', /1500 ms deadline/);
    assert.ok(took >= 1400 && took < 4000, `ended at the deadline (${took} ms)`);
    assert.equal(fs.existsSync(file), false);
  });

  it('calls a .dsc that lists itself checksum-mismatch instead of overwriting it (no EEXIST)', async () => {
    const s = sandbox('selfish');
    const spool = openSpool(s.root);
    const sha = crypto.createHash('sha256').update(SELF_DSC).digest('hex');
    const outcome = await withFetchedSource(
      spool,
      hostile.url,
      { dscPath: 'pool/main/s/selfish/selfish_1.0.dsc', dscSha256: sha },
      { ...OPTIONS, dscMaxBytes: 1 << 16 },
      (r) => Promise.resolve(r),
    );
    assert.equal(outcome.outcome, 'checksum-mismatch');
    assert.match('detail' in outcome ? outcome.detail : '', /lists "selfish_1\.0\.dsc" twice or as itself/);
  });
});
