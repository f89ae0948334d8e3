/**
 * Sources indexes (dists/$SUITE/main/source/Sources{,.gz,.xz}): one stanza per source
 * package version, with the pool directory and the .dsc's sha256.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { runQuick } from '../process/run.js';
import { SpoolError } from '../errors.js';
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

/** Decompresses by content (gzip and xz magic), whatever the file is called. */
export function readIndexText(data: Buffer): string {
  if (data[0] === 0x1f && data[1] === 0x8b) return zlib.gunzipSync(data).toString('utf8');
  if (data.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) {
    const xz = runQuick('xz', ['-dc'], { input: data, maxBytes: 1 << 30 });
    if (xz.error || xz.exitCode !== 0) throw new SpoolError('failed', `cannot decompress an .xz index: ${xz.error?.message ?? xz.stderr.toString()}`);
    return xz.stdout.toString('utf8');
  }
  return data.toString('utf8');
}

export function readIndexFile(file: string): string {
  return readIndexText(fs.readFileSync(file));
}

const DIRECTORY = /^pool\/[A-Za-z0-9.+_/-]+$/;

/** Every usable record of the index; malformed stanzas are errors naming their line. */
export function parseSourcesIndex(text: string): SourceRecord[] {
  const records: SourceRecord[] = [];
  let line = 1;
  for (const chunk of text.split(/\n[ \t]*\n/)) {
    if (chunk.trim() !== '') {
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
    }
    line += chunk.split('\n').length + 1;
  }
  return records;
}

/** Does a source package build on arch, by dpkg's wildcard rules? (Arch:all packages are tested on amd64, as tests.r-b.o does.) */
export function buildsOn(record: SourceRecord, arch: string): boolean {
  return record.architectures.some((a) => (a === 'all' ? arch === 'amd64' : architectureMatches(arch, a)));
}
