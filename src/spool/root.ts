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
import { Deb822Error, Stanza, parseStanza } from '../debian/deb822.js';
import { SpoolError, errnoCode } from '../errors.js';
import { replaceFileDurably } from '../durable/atomic.js';
import { BUILDS_DIR } from './layout.js';
import { isName } from './names.js';

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

/**
 * Whose spool this is, as `init` recorded it in the marker ("Role: main" or "Role: node
 * NAME"): main's spool has scheduled/ and moves entries there; a node's has only its inbox.
 * Commands take it from here, so a node's cron line needs no --node, and a --node that
 * contradicts it is refused instead of treating node1/ as main's outbox.
 */
export type SpoolRole = { readonly kind: 'main' } | { readonly kind: 'node'; readonly node: string };

export function describeRole(role: SpoolRole): string {
  return role.kind === 'main' ? 'main' : `node ${role.node}`;
}

function markerPath(root: string): string {
  return path.join(root, SPOOL_MARKER);
}

/** The recorded role; undefined for a marker written before roles were (or none at all). */
export function readSpoolRole(root: string): SpoolRole | undefined {
  let text: string;
  try {
    text = fs.readFileSync(markerPath(root), 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  let role: string | undefined;
  try {
    role = parseStanza(text).get('Role');
  } catch (error) {
    if (error instanceof Deb822Error) throw new SpoolError('integrity', `${markerPath(root)} is not a spool marker (${error.message})`);
    throw error;
  }
  if (role === undefined) return undefined;
  if (role === 'main') return { kind: 'main' };
  const node = /^node (\S+)$/.exec(role)?.[1];
  if (node === undefined || !isName('node', node)) {
    throw new SpoolError('integrity', `${markerPath(root)} says Role ${JSON.stringify(role)}: expected "main" or "node NAME"`);
  }
  return { kind: 'node', node };
}

/**
 * Makes root a spool (idempotent): the directory and its marker, with the role when one is
 * given. A marker without a role gets it; one with another role is refused (exit 2).
 */
export function initSpoolRoot(root: string, now: Date, role?: SpoolRole): boolean {
  fs.mkdirSync(root, { recursive: true });
  const marker = markerPath(root);
  const fields = (created: string) =>
    Stanza.of([
      ['Format', 1],
      ['Created', created],
      ['Role', role && describeRole(role)],
    ]).toString();
  if (!fs.existsSync(marker)) {
    fs.writeFileSync(marker, fields(now.toISOString()), { flag: 'wx' });
    return true;
  }
  if (!role) return false;
  const recorded = readSpoolRole(root);
  if (recorded) {
    if (describeRole(recorded) !== describeRole(role)) {
      throw new SpoolError('usage', `${root} is the spool of ${describeRole(recorded)} (its ${SPOOL_MARKER} says so), not of ${describeRole(role)}`);
    }
    return false;
  }
  const created = parseStanza(fs.readFileSync(marker, 'utf8')).get('Created') ?? now.toISOString();
  replaceFileDurably(marker, Buffer.from(fields(created)));
  return true;
}
