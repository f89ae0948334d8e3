/**
 * Removes one check directory from the archive (archive prune, check --repair): renamed to
 * .removing-$TIME beside it first, one rename(2), then removed. No lock: the callers only
 * remove checks no job writes any more (concluded, dead, or of a package gone with no entry).
 * A crash leaves the check whole, or renamed aside and out of every reader's view
 * (walkArchive lists it as removing); the next prune finishes the removal.
 */
import fs from 'node:fs';
import path from 'node:path';
import { faultPoint } from '../durable/fault.js';
import { errnoCode } from '../errors.js';
import { REMOVING_PREFIX } from './format.js';

export function removeCheck(dir: string): void {
  const doomed = path.join(path.dirname(dir), `${REMOVING_PREFIX}${path.basename(dir)}`);
  try {
    fs.renameSync(dir, doomed);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return; // another prune (cron beside a person's) took it first and removes it
    throw error;
  }
  faultPoint('prune:after-rename');
  fs.rmSync(doomed, { recursive: true, force: true });
}
