/** dists/$SUITE/$COMPONENT/source/Sources.xz from the mirror (falling back to .gz), as text. */
import fs from 'node:fs';
import { readIndexFile } from '../debian/sources-index.js';
import { SpoolError } from '../errors.js';
import { type DownloadOptions, download } from '../fetch/download.js';
import { ensureDirInside, tempPath } from '../durable/atomic.js';
import type { Spool } from '../spool/spool.js';

export async function fetchSourcesIndex(spool: Spool, mirror: string, suite: string, component: string, options: DownloadOptions): Promise<string> {
  ensureDirInside(spool.layout.root, spool.layout.tmpDir);
  for (const name of ['Sources.xz', 'Sources.gz']) {
    const file = tempPath(spool.layout.tmpDir, name);
    try {
      const got = await download(`${mirror}/dists/${suite}/${component}/source/${name}`, file, { ...options, maxBytes: 1 << 30 });
      if (got.status === 'ok') return readIndexFile(file);
      if (got.status === 'unreachable') throw new SpoolError('unreachable', `mirror unreachable: ${got.reason}`);
    } finally {
      fs.rmSync(file, { force: true });
    }
  }
  throw new SpoolError('failed', `the mirror ${mirror} has no Sources index for ${suite}/${component}`);
}
