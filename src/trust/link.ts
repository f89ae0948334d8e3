/**
 * in-toto 1.x link metadata (the `.link` files `in-toto-run` writes): a `signed` link body
 * (its name, materials and products with their hashes, its environment) and signatures
 * over that body's canonical JSON. Each single build is one link named `rebuild`, signed
 * by the node that built it; each verdict is one named `verdict`, signed by main, whose
 * materials are the two builds' links.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { z } from 'zod';
import { type CanonicalValue, encodeCanonical } from './canonical-json.js';
import { type PublicKey, type SigningKey, verifySignature } from './keys.js';

/** The step a node's build link records, and its file in the build's results. */
export const REBUILD_STEP = 'rebuild';
export const REBUILD_LINK = `${REBUILD_STEP}.link`;
/** The step main's statement about a verdict records, and its file in the check's directory. */
export const VERDICT_STEP = 'verdict';
export const VERDICT_LINK = `${VERDICT_STEP}.link`;
/** A link is small (a few hundred bytes a file it names): more than this is not one of ours. */
export const MAX_LINK_BYTES = 8 * 1024 * 1024;

export interface Hashes {
  readonly sha256: string;
  readonly sha512: string;
}

export interface LinkBody {
  readonly _type: 'link';
  readonly name: string;
  readonly materials: Readonly<Record<string, Hashes>>;
  readonly products: Readonly<Record<string, Hashes>>;
  readonly byproducts: Readonly<Record<string, CanonicalValue>>;
  readonly command: readonly string[];
  readonly environment: Readonly<Record<string, CanonicalValue>>;
}

export interface SignedLink {
  readonly signatures: ReadonlyArray<{ readonly keyid: string; readonly sig: string }>;
  readonly signed: LinkBody;
}

/** A file's hashes, read in chunks (a .deb may be hundreds of megabytes). */
export function hashFile(file: string): Hashes {
  const sha256 = crypto.createHash('sha256');
  const sha512 = crypto.createHash('sha512');
  const fd = fs.openSync(file, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    for (let n; (n = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0;) {
      sha256.update(chunk.subarray(0, n));
      sha512.update(chunk.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return { sha256: sha256.digest('hex'), sha512: sha512.digest('hex') };
}

export function hashText(text: string | Uint8Array): Hashes {
  return {
    sha256: crypto.createHash('sha256').update(text).digest('hex'),
    sha512: crypto.createHash('sha512').update(text).digest('hex'),
  };
}

export function makeLink(parts: Omit<LinkBody, '_type' | 'byproducts'>): LinkBody {
  return { _type: 'link', byproducts: {}, ...parts };
}

/** The link file's text: the body and one signature by key over its canonical JSON. */
export function signLink(body: LinkBody, key: SigningKey): string {
  const link: SignedLink = { signatures: [{ keyid: key.keyid, sig: key.sign(encodeCanonical(body as unknown as CanonicalValue)) }], signed: body };
  return `${JSON.stringify(link, null, 1)}\n`;
}

const HEX = (digits: number) => z.string().regex(new RegExp(`^[0-9a-f]{${digits}}$`));
const HASHES = z.object({ sha256: HEX(64), sha512: HEX(128) }).strict();
const CANONICAL: z.ZodType<CanonicalValue> = z.lazy(() =>
  z.union([z.string(), z.number().int(), z.boolean(), z.null(), z.array(CANONICAL), z.record(z.string(), CANONICAL)]),
);
const LINK_SCHEMA = z.object({
  signatures: z.array(z.object({ keyid: HEX(64), sig: z.string() }).strict()),
  signed: z
    .object({
      _type: z.literal('link'),
      name: z.string(),
      materials: z.record(z.string(), HASHES),
      products: z.record(z.string(), HASHES),
      byproducts: z.record(z.string(), CANONICAL),
      command: z.array(z.string()),
      environment: z.record(z.string(), CANONICAL),
    })
    .strict(),
});

/** What a link file says, or why it is not a link (its schema's first complaint). */
export function parseLink(text: string): SignedLink | { readonly problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: 'not JSON' };
  }
  const parsed = LINK_SCHEMA.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  return { problem: `not an in-toto link: ${issue.path.join('.') || '(top level)'}: ${issue.message}` };
}

/** The key among `keys` whose signature of the link verifies, if any. */
export function signerOf(link: SignedLink, keys: readonly PublicKey[]): PublicKey | undefined {
  const data = encodeCanonical(link.signed as unknown as CanonicalValue);
  for (const signature of link.signatures) {
    const key = keys.find((k) => k.keyid === signature.keyid);
    if (key && verifySignature(key, data, signature.sig)) return key;
  }
  return undefined;
}
