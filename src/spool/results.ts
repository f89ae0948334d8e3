/** A finished build's results directory and its `result` marker (written last, so present = complete). */
import fs from 'node:fs';
import path from 'node:path';
import { Stanza, parseStanza } from '../debian/deb822.js';
import { errnoCode } from '../errors.js';
import { RESULT_MARKER } from './layout.js';

export function hasResultMarker(resultsDir: string): boolean {
  try {
    return fs.lstatSync(path.join(resultsDir, RESULT_MARKER)).isFile();
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return false;
    throw error;
  }
}

export function resultStanza(fields: ReadonlyArray<readonly [string, string | number | undefined]>): string {
  return Stanza.of(fields).toString();
}

/** The `result` marker of a complete results directory: Status, Build-Number, Start, Duration, Exit-Code… */
export function readResultMarker(resultsDir: string): Stanza {
  return parseStanza(fs.readFileSync(path.join(resultsDir, RESULT_MARKER), 'utf8'));
}
