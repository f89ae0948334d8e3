/** A finished build's results directory and its `result` marker (written last, so present = complete). */
import fs from 'node:fs';
import path from 'node:path';
import { Stanza, parseStanza } from '../debian/deb822.js';
import { errnoCode } from '../errors.js';
import { RESULT_MARKER } from './layout.js';

/** The `result` marker's stat when the directory is complete (the marker is a regular file), else undefined. */
export function resultMarkerStat(resultsDir: string): fs.Stats | undefined {
  try {
    const stat = fs.lstatSync(path.join(resultsDir, RESULT_MARKER));
    return stat.isFile() ? stat : undefined;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
    throw error;
  }
}

export function hasResultMarker(resultsDir: string): boolean {
  return resultMarkerStat(resultsDir) !== undefined;
}

export function resultStanza(fields: ReadonlyArray<readonly [string, string | number | undefined]>): string {
  return Stanza.of(fields).toString();
}

/** The `result` marker of a complete results directory: Status, Build-Number, Start, Duration, Exit-Code… */
export function readResultMarker(resultsDir: string): Stanza {
  return parseStanza(fs.readFileSync(path.join(resultsDir, RESULT_MARKER), 'utf8'));
}
