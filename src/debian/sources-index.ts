/**
 * Sources indexes (dists/$SUITE/main/source/Sources{,.gz,.xz}): one stanza per source
 * package version, with the pool directory and the .dsc's sha256.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { runQuick } from '../process/run.js';
import { SpoolError, errnoCode } from '../errors.js';
import { isPackageName, isVersion } from '../spool/names.js';
import { Deb822Error, parseStanzas } from './deb822.js';
import { architectureMatches } from './architecture.js';
import { checksumLines } from './dsc.js';

export interface SourceRecord {
  readonly name: string;
  readonly version: string;
  /** Pool directory relative to the mirror root, e.g. pool/main/h/hello. */
  readonly directory: string;
  readonly architectures: readonly string[];
  readonly dscName: string;
  readonly dscSha256: string;
}

/**
 * Uncompressed, Debian's largest Sources index (main, all of sid) is under 100 MB: a file
 * decompressing to more is a bomb, not an index, and is refused before it fills memory.
 */
export const INDEX_MAX_TEXT_BYTES = 256 * 1024 * 1024;

/** Decompresses by content (gzip and xz magic), whatever the file is called, to at most INDEX_MAX_TEXT_BYTES. */
export function readIndexText(data: Buffer, maxBytes = INDEX_MAX_TEXT_BYTES): string {
  const tooLarge = () => new SpoolError('usage', `the index decompresses to more than ${maxBytes} bytes: refused as not an index`);
  if (data[0] === 0x1f && data[1] === 0x8b) {
    try {
      return zlib.gunzipSync(data, { maxOutputLength: maxBytes }).toString('utf8');
    } catch (error) {
      if (errnoCode(error) === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
      throw new SpoolError('usage', `the index is not valid gzip: ${(error as Error).message}`);
    }
  }
  if (data.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) {
    const xz = runQuick('xz', ['-dc'], { input: data, maxBytes });
    if (errnoCode(xz.error) === 'ENOBUFS') throw tooLarge();
    if (xz.error || xz.exitCode !== 0) throw new SpoolError('usage', `cannot decompress an .xz index: ${xz.error?.message ?? xz.stderr.toString()}`);
    return xz.stdout.toString('utf8');
  }
  if (data.length > maxBytes) throw tooLarge();
  return data.toString('utf8');
}

export function readIndexFile(file: string): string {
  return readIndexText(fs.readFileSync(file));
}

/** A stanza of an index left out, and why: the rest of the index is still used. */
export interface RejectedStanza {
  readonly line: number;
  readonly problem: string;
}

const DIRECTORY = /^pool\/[A-Za-z0-9.+_/-]+$/;

/**
 * Every usable record of the index. A malformed stanza (a hostile name, an unsafe
 * Directory, broken syntax) is left out and added to `rejected` with its line: one bad
 * stanza of a mirror must not stop the import of the thirty thousand good ones.
 */
export function parseSourcesIndex(text: string, rejected: RejectedStanza[] = []): SourceRecord[] {
  const records: SourceRecord[] = [];
  let line = 1;
  for (const chunk of text.split(/\n[ \t]*\n/)) {
    if (chunk.trim() !== '') {
      try {
        records.push(...parseChunk(chunk, line));
      } catch (error) {
        if (!(error instanceof Deb822Error)) throw error;
        rejected.push({ line: error.line, problem: error.message });
      }
    }
    line += chunk.split('\n').length + 1;
  }
  return records;
}

function parseChunk(chunk: string, line: number): SourceRecord[] {
  const records: SourceRecord[] = [];
  for (const stanza of parseStanzas(chunk, line)) {
    // Kept in the archive only because a binary was built from it (Built-Using): not a package of the suite.
    if (stanza.get('Extra-Source-Only')?.trim() === 'yes') continue;
    const name = stanza.get('Package') ?? '';
    const version = stanza.get('Version') ?? '';
    const directory = stanza.get('Directory') ?? '';
    if (!isPackageName(name) || !isVersion(version)) throw new Deb822Error(line, `invalid Package/Version ${JSON.stringify(`${name} ${version}`)}`);
    if (!DIRECTORY.test(directory) || directory.includes('..')) throw new Deb822Error(line, `unsafe Directory ${JSON.stringify(directory)}`);
    const dsc = checksumLines(stanza, 'Checksums-Sha256', line).find((f) => f.name.endsWith('.dsc'));
    if (!dsc) throw new Deb822Error(line, `${name} ${version} lists no .dsc in Checksums-Sha256`);
    const architectures = (stanza.get('Architecture') ?? 'any').split(/\s+/).filter(Boolean);
    records.push({ name, version, directory, architectures, dscName: dsc.name, dscSha256: dsc.sha256 });
  }
  return records;
}

/** Does a source package build on arch, by dpkg's wildcard rules? (Arch:all packages are tested on amd64, as tests.r-b.o does.) */
export function buildsOn(record: SourceRecord, arch: string): boolean {
  return record.architectures.some((a) => (a === 'all' ? arch === 'amd64' : architectureMatches(arch, a)));
}
