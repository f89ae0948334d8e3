/**
 * deb822 stanzas, the format of .dsc, .buildinfo and our entry files: "Field: value"
 * lines, continuation lines starting with a space or tab, " ." for an empty line.
 * Field order and unknown fields survive a read/write round trip.
 */
import { visible } from '../errors.js';

export class Deb822Error extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'Deb822Error';
  }
}

/**
 * A value as a field can hold it: CRLF line ends (OpenSSH's messages) become line ends, and
 * every other control character (a lone CR, NUL, ESC…) a visible \xNN escape. Values come
 * from nodes, mirrors and ssh errors; refusing them would crash the step that records why
 * something failed.
 */
export function fieldText(value: string): string {
  return visible(value.replace(/\r\n/g, '\n'));
}

/** An ordered, case-insensitive field map; values of multi-line fields keep their '\n's. */
export class Stanza {
  private readonly fields = new Map<string, { name: string; value: string }>();

  static of(pairs: ReadonlyArray<readonly [string, string | number | undefined]>): Stanza {
    const stanza = new Stanza();
    for (const [name, value] of pairs) if (value !== undefined) stanza.set(name, String(value));
    return stanza;
  }

  get(name: string): string | undefined {
    return this.fields.get(name.toLowerCase())?.value;
  }

  has(name: string): boolean {
    return this.fields.has(name.toLowerCase());
  }

  /** Sets a field from a value of any origin: control characters are made visible (fieldText). */
  set(name: string, value: string): this {
    return this.put(name, fieldText(value));
  }

  /**
   * Sets a field to exactly the value read from a file: a parser must not change what it
   * read, so that a value with control characters stays one for whoever validates it.
   */
  put(name: string, value: string): this {
    if (!/^[!-9;-~][!-9;-~]*$/.test(name) || name.startsWith('#') || name.startsWith('-')) {
      throw new Error(`invalid deb822 field name ${JSON.stringify(name)}`);
    }
    if (value.includes('\0')) throw new Error(`field ${name} holds a NUL byte`);
    const existing = this.fields.get(name.toLowerCase());
    this.fields.set(name.toLowerCase(), { name: existing?.name ?? name, value });
    return this;
  }

  delete(name: string): void {
    this.fields.delete(name.toLowerCase());
  }

  entries(): Array<[string, string]> {
    return [...this.fields.values()].map(({ name, value }) => [name, value]);
  }

  clone(): Stanza {
    const copy = new Stanza();
    for (const [name, value] of this.entries()) copy.put(name, value);
    return copy;
  }

  toString(): string {
    return this.entries()
      .map(([name, value]) => {
        const [first, ...rest] = value.split('\n');
        const continuation = rest.map((line) => (line === '' ? ' .' : ` ${line}`));
        return [first === '' ? `${name}:` : `${name}: ${first}`, ...continuation].join('\n');
      })
      .join('\n')
      .concat('\n');
  }
}

/**
 * Parses one or more stanzas separated by blank lines. Comment lines ('#') are skipped.
 * firstLine numbers the text's first line, so errors in a signed file's body name the
 * line of the file.
 */
export function parseStanzas(text: string, firstLine = 1): Stanza[] {
  if (text.includes('\0')) throw new Deb822Error(firstLine - 1 + lineOf(text, text.indexOf('\0')), 'NUL byte');
  const stanzas: Stanza[] = [];
  // Fields are collected as line arrays and validated once per stanza: appending to a
  // value on every continuation line made long fields (Files, Package-List) quadratic.
  let fields: Array<{ name: string; lines: string[]; line: number }> = [];
  const seen = new Set<string>();
  const flush = () => {
    if (fields.length === 0) return;
    const stanza = new Stanza();
    for (const field of fields) {
      try {
        stanza.put(field.name, field.lines.join('\n'));
      } catch (error) {
        throw new Deb822Error(field.line, (error as Error).message);
      }
    }
    stanzas.push(stanza);
    fields = [];
    seen.clear();
  };
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const lineNo = firstLine + index;
    const raw = lines[index]!;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const first = line.charCodeAt(0);
    if (first === 32 || first === 9) {
      if (line.trim() === '') {
        flush();
        continue;
      }
      const last = fields[fields.length - 1];
      if (!last) throw new Deb822Error(lineNo, 'continuation line without a field');
      const content = line.slice(1);
      last.lines.push(content.trim() === '.' ? '' : content);
      continue;
    }
    if (line === '') {
      flush();
      continue;
    }
    if (first === 35) continue; // '#': comment
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Deb822Error(lineNo, `expected "Field: value", got ${JSON.stringify(line)}`);
    const name = line.slice(0, colon);
    const key = name.toLowerCase();
    if (seen.has(key)) throw new Deb822Error(lineNo, `duplicate field ${name}`);
    seen.add(key);
    fields.push({ name, lines: [line.slice(colon + 1).trim()], line: lineNo });
  }
  flush();
  return stanzas;
}

/** Parses text that must hold exactly one stanza. */
export function parseStanza(text: string, firstLine = 1): Stanza {
  const stanzas = parseStanzas(text, firstLine);
  if (stanzas.length !== 1) throw new Deb822Error(firstLine, `expected one stanza, found ${stanzas.length}`);
  return stanzas[0]!;
}

const SIGNED = '-----BEGIN PGP SIGNED MESSAGE-----';
const SIGNATURE = '-----BEGIN PGP SIGNATURE-----';

/**
 * The signed body of a clearsigned file (.dsc, .buildinfo, InRelease), dash-unescaped,
 * with the line number it starts on; unsigned text is returned whole. The signature is
 * not verified here: the .dsc's integrity comes from the sha256 the entry carries.
 */
export function stripSignature(text: string): { body: string; firstLine: number } {
  const lines = text.split('\n');
  if (lines[0]?.trimEnd() !== SIGNED) return { body: text, firstLine: 1 };
  const blank = lines.findIndex((line, i) => i > 0 && line.trim() === '');
  const end = lines.findIndex((line) => line.trimEnd() === SIGNATURE);
  if (blank < 0 || end < 0 || end < blank) throw new Deb822Error(1, 'PGP signed message without its armor headers or signature');
  const body = lines.slice(blank + 1, end).map((line) => (line.startsWith('- ') ? line.slice(2) : line));
  return { body: body.join('\n'), firstLine: blank + 2 };
}

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}
