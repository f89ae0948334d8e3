/**
 * The first subordinate uid/gid of the invoking user (/etc/subuid, /etc/subgid): root of
 * every build's user namespace maps to it, so a directory the build's apt must write
 * (the apt archive cache) has to belong to it. scripts/setup adds the ranges.
 */
import fs from 'node:fs';
import os from 'node:os';
import { SpoolError } from '../../errors.js';

export interface NamespaceRoot {
  readonly uid: number;
  readonly gid: number;
}

function firstSubordinate(file: string): number {
  const { username, uid } = os.userInfo();
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  for (const line of text.split('\n')) {
    const [who, start, count] = line.split(':');
    if ((who === username || who === String(uid)) && Number(count) >= 65536) return Number(start);
  }
  throw new SpoolError(
    'usage',
    `no subordinate id range of at least 65536 for ${username} in ${file}: sbuild's unshare mode needs one (scripts/setup adds it)`,
  );
}

export function namespaceRoot(): NamespaceRoot {
  return { uid: firstSubordinate('/etc/subuid'), gid: firstSubordinate('/etc/subgid') };
}
