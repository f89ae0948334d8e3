/**
 * Canonical JSON as securesystemslib encodes it (OLPC's dialect, which in-toto 1.x signs):
 * object keys sorted, no whitespace, integers only, and strings quoted with only `"` and
 * `\` escaped. A signature is over these bytes, so an independent verifier (Debian's
 * in-toto) re-encodes what it loads and gets the same ones.
 */
export type CanonicalValue = string | number | boolean | null | readonly CanonicalValue[] | { readonly [key: string]: CanonicalValue };

export class CanonicalJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CanonicalJsonError';
  }
}

export function encodeCanonical(value: CanonicalValue): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null) return 'null';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new CanonicalJsonError(`${value} is not an integer: canonical JSON has no other numbers`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${(value as readonly CanonicalValue[]).map(encodeCanonical).join(',')}]`;
  const object = value as { readonly [key: string]: CanonicalValue };
  // Python sorts by code point; for the BMP that is JavaScript's order, and the keys here are ASCII names and file names.
  const keys = Object.keys(object).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${quote(k)}:${encodeCanonical(object[k]!)}`).join(',')}}`;
}

function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
