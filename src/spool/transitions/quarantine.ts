/**
 * quarantine: moves anything that cannot be trusted (corrupt entry, symlink, stray file,
 * invalid name) from wherever it is to quarantine/<time>-<random>/item, with a deb822
 * `reason` file beside it. Nothing is ever deleted for being bad.
 *
 * Lock: the caller's (the entry lock for an entry, the reaper lock for strays).
 * Order: reason first (durable), then rename(2) of the item itself (a symlink is moved,
 * never followed). SIGKILL after the reason (fault quarantine:after-reason) leaves a slot
 * without item; the original stays where it was, and the reaper removes the empty slot
 * and quarantines the original again.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Stanza } from '../../debian/deb822.js';
import { ensureDirInside, fsyncDir, writeFileAtomic } from '../../durable/atomic.js';
import { faultPoint } from '../../durable/fault.js';
import type { Spool } from '../spool.js';

export const QUARANTINE_ITEM = 'item';
export const QUARANTINE_REASON = 'reason';

export interface QuarantineRecord {
  readonly slot: string;
  readonly originalPath: string;
  readonly reason: string;
}

export function quarantine(spool: Spool, target: string, reason: string, detectedBy: string): QuarantineRecord {
  const { layout } = spool;
  const now = new Date(spool.clock.now());
  const slot = path.join(layout.quarantineDir, `${now.toISOString().replace(/[:.]/g, '-')}-${crypto.randomBytes(4).toString('hex')}`);
  ensureDirInside(layout.root, slot);
  const record = Stanza.of([
    ['Original-Path', layout.relative(target)],
    ['Reason', reason.replace(/\n/g, ' ')],
    ['Detected-By', detectedBy],
    ['Date', now.toISOString()],
  ]);
  writeFileAtomic(layout, path.join(slot, QUARANTINE_REASON), record.toString(), { noReplace: true });
  faultPoint('quarantine:after-reason');
  fs.renameSync(target, path.join(slot, QUARANTINE_ITEM));
  fsyncDir(slot);
  fsyncDir(path.dirname(target));
  return { slot: layout.relative(slot), originalPath: layout.relative(target), reason };
}
