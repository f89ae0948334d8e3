/**
 * deb822 stanzas, the format of .dsc, .buildinfo and our entry files: "Field: value"
 * lines, continuation lines starting with a space or tab, " ." for an empty line.
 * Field order and unknown fields survive a read/write round trip.
 */

export class Deb822Error extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'Deb822Error';
  }
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

  set(name: string, value: string): this {
    if (!/^[!-9;-~][!-9;-~]*$/.test(name) || name.startsWith('#') || name.startsWith('-')) {
      throw new Error(`invalid deb822 field name ${JSON.stringify(name)}`);
    }
    if (/[\0\r]/.test(value)) throw new Error(`field ${name} holds a NUL or carriage return`);
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
    for (const [name, value] of this.entries()) copy.set(name, value);
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
  let current: Stanza | undefined;
  let lastField: string | undefined;
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const lineNo = firstLine + index;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') {
      if (current) stanzas.push(current);
      current = undefined;
      lastField = undefined;
      return;
    }
    if (line.startsWith('#')) return;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (!current || lastField === undefined) throw new Deb822Error(lineNo, 'continuation line without a field');
      const content = line.slice(1);
      const appended = content.trim() === '.' ? '' : content;
      current.set(lastField, `${current.get(lastField) ?? ''}\n${appended}`);
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Deb822Error(lineNo, `expected "Field: value", got ${JSON.stringify(line)}`);
    const name = line.slice(0, colon);
    current ??= new Stanza();
    if (current.has(name)) throw new Deb822Error(lineNo, `duplicate field ${name}`);
    try {
      current.set(name, line.slice(colon + 1).trim());
    } catch (error) {
      throw new Deb822Error(lineNo, (error as Error).message);
    }
    lastField = name;
  });
  if (current) stanzas.push(current);
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
