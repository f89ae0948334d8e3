/**
 * A real package for benchmarks: its .dsc and files copied once from the apt sources'
 * mirror into a mirror served on 127.0.0.1, so that a fetch is counted but the
 * network's mood is not.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { mirrorFromApt, readAptSources } from '../../src/debian/apt-sources.js';
import { parseDsc } from '../../src/debian/dsc.js';
import { type SourceRecord, parseSourcesIndex, readIndexText } from '../../src/debian/sources-index.js';
import { download } from '../../src/fetch/download.js';

export const DOWNLOAD = { idleTimeoutMs: 30_000, deadlineMs: 3_600_000, retries: 2, backoffMs: 1000, maxBytes: 1 << 30 };

export interface RealPackage {
  readonly record: SourceRecord;
  /** The apt sources' mirror it came from. */
  readonly upstream: string;
  /** Directory holding the .dsc and its files. */
  readonly pool: string;
  readonly dscFile: string;
  readonly dscSha256: string;
  /** The local mirror serving it. */
  readonly mirror: string;
  readonly close: () => void;
}

export async function realPackage(name: string, work: string, suite = 'bookworm'): Promise<RealPackage> {
  const upstream = mirrorFromApt(readAptSources(), suite);
  if (!upstream) throw new Error('no mirror in the apt sources: this benchmark copies a real package from it');
  const indexFile = path.join(work, 'Sources.xz');
  if ((await download(`${upstream}/dists/${suite}/main/source/Sources.xz`, indexFile, DOWNLOAD)).status !== 'ok')
    throw new Error('cannot fetch the Sources index');
  const record = parseSourcesIndex(readIndexText(fs.readFileSync(indexFile))).find((r) => r.name === name);
  if (!record) throw new Error(`${name} is not in ${suite}`);
  const mirrorRoot = path.join(work, 'mirror');
  const pool = path.join(mirrorRoot, record.directory);
  fs.mkdirSync(pool, { recursive: true });
  const dscFile = path.join(pool, record.dscName);
  await download(`${upstream}/${record.directory}/${record.dscName}`, dscFile, DOWNLOAD);
  for (const file of parseDsc(fs.readFileSync(dscFile, 'utf8')).files)
    await download(`${upstream}/${record.directory}/${file.name}`, path.join(pool, file.name), DOWNLOAD);
  const server = http.createServer((req, res) => {
    const file = path.join(mirrorRoot, decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname));
    if (!file.startsWith(mirrorRoot) || !fs.existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': fs.statSync(file).size });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    record,
    upstream,
    pool,
    dscFile,
    dscSha256: crypto.createHash('sha256').update(fs.readFileSync(dscFile)).digest('hex'),
    mirror: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => server.close(),
  };
}
