/** A source package's .dsc: which files make it up, with their sizes and sha256. */
import { Deb822Error, type Stanza, parseStanza, stripSignature } from './deb822.js';

export interface SourceFile {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

export interface Dsc {
  readonly source: string;
  readonly version: string;
  readonly files: readonly SourceFile[];
  readonly fields: Stanza;
}

/** File names a .dsc may list: plain names, so they can be joined to a directory and a URL. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9.+~:_-]*$/;

export function isPlainFileName(name: string): boolean {
  return FILE_NAME.test(name) && !name.includes('..');
}

export function parseDsc(text: string): Dsc {
  const { body, firstLine } = stripSignature(text);
  const fields = parseStanza(body, firstLine);
  const source = fields.get('Source');
  const version = fields.get('Version');
  if (!source || !version) throw new Deb822Error(firstLine, 'a .dsc needs Source and Version');
  return { source, version, files: checksumLines(fields, 'Checksums-Sha256', firstLine), fields };
}

/** The lines of a Checksums-Sha256 (or Files-like) field: "sha256 size name". */
export function checksumLines(fields: Stanza, field: string, line: number): SourceFile[] {
  const value = fields.get(field);
  if (value === undefined) throw new Deb822Error(line, `no ${field} field`);
  return value
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [sha256, size, name, extra] = l.split(/\s+/);
      if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256) || !size || !/^[0-9]+$/.test(size) || !name || extra !== undefined) {
        throw new Deb822Error(line, `malformed ${field} line ${JSON.stringify(l)}: expected "sha256 size name"`);
      }
      if (!isPlainFileName(name)) throw new Deb822Error(line, `unsafe file name ${JSON.stringify(name)} in ${field}`);
      return { name, size: Number(size), sha256 };
    });
}
