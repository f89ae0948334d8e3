/**
 * Moving an entry to another state while changing its content: the new content is
 * written to the target without replacing anything, then the source is unlinked.
 * A crash in between leaves the entry in two states; the reaper keeps the later one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir, writeFileAtomic } from '../durable/atomic.js';
import { type Entry, formatEntry } from './entry.js';
import { faultPoint } from '../durable/fault.js';
import type { Spool } from './spool.js';

export function rewriteMove(spool: Spool, source: string, target: string, entry: Entry, faultLabel: string): void {
  writeFileAtomic(spool.layout, target, formatEntry(entry), { noReplace: true, faultLabel });
  faultPoint(`${faultLabel}:after-write`);
  fs.unlinkSync(source);
  fsyncDir(path.dirname(source));
  faultPoint(`${faultLabel}:after-unlink`);
}
