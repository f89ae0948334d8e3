/** Reading entries safely: never through a symlink, never more than an entry's worth. */
import fs from 'node:fs';
import { errnoCode } from '../errors.js';
import { CorruptEntryError, type Entry, MAX_ENTRY_BYTES, checkPlacement, parseEntry } from './entry.js';
import type { EntryId } from './identity.js';
import { FIXED_STATES, type Layout, type Place, nodePlace, placeFromName } from './layout.js';
import { isName } from './names.js';
import { listDir } from './walk.js';

/** Reads and checks the entry at a path; undefined if it is gone, CorruptEntryError if untrustworthy. */
export function readEntryFile(file: string, id: EntryId, place: Place): Entry | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    if (errnoCode(error) === 'ELOOP') throw new CorruptEntryError('a symlink where an entry file belongs');
    throw error;
  }
  try {
    if (!fs.fstatSync(fd).isFile()) throw new CorruptEntryError('not a regular file');
    const buffer = Buffer.alloc(MAX_ENTRY_BYTES + 1);
    const length = fs.readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, length).toString('utf8');
    if (text.includes('\uFFFD')) throw new CorruptEntryError('not valid UTF-8');
    const entry = parseEntry(id, text);
    checkPlacement(entry, place);
    return entry;
  } finally {
    fs.closeSync(fd);
  }
}

export interface Location {
  readonly place: Place;
  readonly path: string;
}

/** Every place where this identity has an entry file (more than one only after a crash). */
export function locate(layout: Layout, id: EntryId): Location[] {
  const found: Location[] = [];
  for (const top of listDir(layout.buildsDir)) {
    if (!top.isDirectory()) continue;
    const place = (FIXED_STATES as readonly string[]).includes(top.name) ? placeFromName(top.name) : tryNodePlace(top.name);
    if (!place) continue;
    const file = layout.entryPath(place, id);
    if (lexists(file)) found.push({ place, path: file });
  }
  return found;
}

function tryNodePlace(name: string): Place | undefined {
  return isName('node', name) ? nodePlace(name) : undefined; // other names are the reaper's to report
}

export function lexists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return false;
    throw error;
  }
}
