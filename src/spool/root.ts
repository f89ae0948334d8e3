/**
 * What makes a directory a spool: a marker file in its root, written by `init` (or by
 * the first local `build`, the README's first command). Commands refuse any other root,
 * so a mistyped --root in a crontab fails loudly (exit 2) instead of reporting, reaping
 * and dashboarding an empty spool it has just made, silently, for ever. A root that
 * already holds reproducible-builds/ (made before the marker existed, or by main placing
 * a node's first entry) counts as a spool too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SpoolError } from '../errors.js';
import { BUILDS_DIR } from './layout.js';

export const SPOOL_MARKER = 'repro-spool-root';

export function isSpoolRoot(root: string): boolean {
  return fs.existsSync(path.join(root, SPOOL_MARKER)) || fs.statSync(path.join(root, BUILDS_DIR), { throwIfNoEntry: false })?.isDirectory() === true;
}

/** Refuses a root that is not a spool, naming it and the way out. */
export function assertSpoolRoot(root: string): void {
  if (!fs.existsSync(root)) {
    throw new SpoolError(
      'usage',
      `spool root ${JSON.stringify(root)} does not exist: check --root (or the configuration's "root"),` +
        ` or make it a spool with \`repro-spool --root ${root} init\``,
    );
  }
  if (!isSpoolRoot(root)) {
    throw new SpoolError(
      'usage',
      `${JSON.stringify(root)} is not a repro-spool spool (no ${SPOOL_MARKER} file, no ${BUILDS_DIR}/):` +
        ` check --root, or make it one with \`repro-spool --root ${root} init\``,
    );
  }
}

/** Makes root a spool (idempotent): the directory and its marker. */
export function initSpoolRoot(root: string, now: Date): boolean {
  fs.mkdirSync(root, { recursive: true });
  const marker = path.join(root, SPOOL_MARKER);
  if (fs.existsSync(marker)) return false;
  fs.writeFileSync(marker, `Format: 1\nCreated: ${now.toISOString()}\n`, { flag: 'wx' });
  return true;
}
