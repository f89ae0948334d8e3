/** Which two files of two builds diffoscope compares, chosen so that one report explains the difference. */
import fs from 'node:fs';
import path from 'node:path';
import { Deb822Error, parseStanza, stripSignature } from '../debian/deb822.js';
import { checksumLines, isPlainFileName } from '../debian/dsc.js';
import type { Comparison } from './compare.js';

/**
 * What diffoscope compares: the two builds as a whole (their .changes, which list every
 * .deb and the .buildinfo: one report, and the difference that explains shows up beside
 * the -dbgsym one), else the first differing file.
 */
export function reportPair(first: string, second: string, comparison: Comparison): readonly [string, string] | undefined {
  const changes = (dir: string) => fs.readdirSync(dir).filter((name) => name.endsWith('.changes'));
  const [a, b] = [changes(first), changes(second)];
  if (a.length === 1 && b.length === 1 && comparison.differing.length > 0 && changesStaysInside(first, a[0]!) && changesStaysInside(second, b[0]!)) {
    return [path.join(first, a[0]!), path.join(second, b[0]!)];
  }
  const name = comparison.differing[0];
  return name === undefined ? undefined : [path.join(first, name), path.join(second, name)];
}

/**
 * diffoscope opens every file a .changes lists, relative to it: only a .changes whose files
 * are plain names of regular files beside it is given to it (a node's .changes listing
 * ../../dev/zero would have diffoscope read main's files until its timeout).
 */
function changesStaysInside(dir: string, name: string): boolean {
  let listed: string[];
  try {
    const { body, firstLine } = stripSignature(fs.readFileSync(path.join(dir, name), 'utf8'));
    const fields = parseStanza(body, firstLine);
    // Checksums-Sha256 lines are "sha256 size name" (checked plain), Files lines "md5 size section priority name".
    const files = (fields.get('Files') ?? '').split('\n').flatMap((line) => line.trim().split(/\s+/).slice(4));
    listed = [...checksumLines(fields, 'Checksums-Sha256', firstLine).map((f) => f.name), ...files];
  } catch (error) {
    if (error instanceof Deb822Error) return false;
    throw error;
  }
  return listed.every((file) => isPlainFileName(file) && fs.lstatSync(path.join(dir, file), { throwIfNoEntry: false })?.isFile() === true);
}
