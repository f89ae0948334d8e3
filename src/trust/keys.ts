/**
 * Ed25519 signing keys, one per spool: main's in its root, each node's in the node's (a
 * local check's nodes/local1 and nodes/local2 have their own). The private key is made
 * on first use and never leaves its spool: nothing here reads it for anything but signing.
 *
 *   keys/signing.key          the current private key (PKCS#8 PEM, 0600; keys/ is 0700)
 *   keys/previous/$KEYID.pub  keys replaced by `keys rotate`, kept so that what they signed still verifies
 *   keys/endorsements/$KEYID.json  the new key's endorsement by the key it replaced: a build link carries it,
 *                             so main pins the new key of a node whose old one it pins (no builds refused meanwhile)
 *   keys/pinned/$NODE/$KEYID.pub  on main: the node keys it accepts links from (pins.ts)
 *
 * A public key file is securesystemslib's JSON (what Debian's in-toto tools load with
 * `--key-types ed25519`), and a key id is what securesystemslib computes for it: the
 * sha256 of that JSON's canonical form.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { SpoolError, TargetExistsError, errnoCode, quoteValue } from '../errors.js';
import { ensureDirInside, writeFileAtomic } from '../durable/atomic.js';
import type { Layout } from '../spool/layout.js';
import { encodeCanonical } from './canonical-json.js';

export interface PublicKey {
  /** securesystemslib's key id: 64 hex digits. */
  readonly keyid: string;
  /** The raw 32-byte public key as 64 hex digits (securesystemslib's keyval.public). */
  readonly public: string;
}

export interface SigningKey extends PublicKey {
  /** The Ed25519 signature of data, as hex (securesystemslib's `sig`). */
  sign(data: string): string;
}

export const SIGNING_KEY_FILE = 'signing.key';
export const PREVIOUS_DIR = 'previous';
export const ENDORSEMENTS_DIR = 'endorsements';
export const PUBLIC_KEY_SUFFIX = '.pub';

const HEX_KEY = /^[0-9a-f]{64}$/;

/** A key file, a pin or a node's published key that is not an Ed25519 key: exit 5, naming where it came from. */
export class KeyFormatError extends SpoolError {
  constructor(
    readonly source: string,
    problem: string,
  ) {
    super('integrity', `${source}: ${problem}`);
    this.name = 'KeyFormatError';
  }
}

/** securesystemslib's public key metadata, from which its key id is computed. */
export function securesystemslibKey(publicHex: string): {
  keytype: 'ed25519';
  scheme: 'ed25519';
  keyid_hash_algorithms: ['sha256', 'sha512'];
  keyval: { public: string };
} {
  return { keytype: 'ed25519', scheme: 'ed25519', keyid_hash_algorithms: ['sha256', 'sha512'], keyval: { public: publicHex } };
}

export function publicKeyOf(publicHex: string, source: string): PublicKey {
  if (!HEX_KEY.test(publicHex)) throw new KeyFormatError(source, `public key ${quoteValue(publicHex.slice(0, 80))}: expected 64 hex digits (Ed25519)`);
  const keyid = crypto
    .createHash('sha256')
    .update(encodeCanonical(securesystemslibKey(publicHex)))
    .digest('hex');
  return { keyid, public: publicHex };
}

const KEY_FILE_SCHEMA = z.object({
  keytype: z.literal('ed25519'),
  scheme: z.literal('ed25519'),
  keyval: z.object({ public: z.string() }),
});

/** A securesystemslib public key file's text; `source` names it in errors. */
export function parsePublicKeyFile(text: string, source: string): PublicKey {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeyFormatError(source, 'not JSON: expected a securesystemslib ed25519 public key');
  }
  const parsed = KEY_FILE_SCHEMA.safeParse(json);
  if (!parsed.success) throw new KeyFormatError(source, `expected a securesystemslib ed25519 public key (${parsed.error.issues[0]!.message})`);
  return publicKeyOf(parsed.data.keyval.public, source);
}

export function formatPublicKeyFile(key: PublicKey): string {
  return `${JSON.stringify(securesystemslibKey(key.public), null, 1)}\n`;
}

/** The raw public key as Node's key object (from the JWK form, which holds the 32 bytes as they are). */
function keyObjectOf(key: PublicKey): crypto.KeyObject {
  return crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key.public, 'hex').toString('base64url') }, format: 'jwk' });
}

/** The key as a PEM SubjectPublicKeyInfo, for openssl and other tools. */
export function pemOf(key: PublicKey): string {
  return keyObjectOf(key).export({ type: 'spki', format: 'pem' }) as string;
}

/** A public key in every form a verifier may want (what `keys show --json` prints). */
export function publishedForm(key: PublicKey) {
  return { keyid: key.keyid, public: key.public, pem: pemOf(key), securesystemslib: securesystemslibKey(key.public) };
}

export function verifySignature(key: PublicKey, data: string, signatureHex: string): boolean {
  if (!/^[0-9a-f]{128}$/.test(signatureHex)) return false;
  return crypto.verify(null, Buffer.from(data, 'utf8'), keyObjectOf(key), Buffer.from(signatureHex, 'hex'));
}

function signingKeyFrom(privateKey: crypto.KeyObject, source: string): SigningKey {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new KeyFormatError(source, `a ${privateKey.asymmetricKeyType} key: expected ed25519`);
  const jwk = crypto.createPublicKey(privateKey).export({ format: 'jwk' });
  const key = publicKeyOf(Buffer.from(jwk.x!, 'base64url').toString('hex'), source);
  return { ...key, sign: (data) => crypto.sign(null, Buffer.from(data, 'utf8'), privateKey).toString('hex') };
}

/** A spool's own keys (keys/ of its root). */
export class KeyDir {
  constructor(private readonly layout: Layout) {}

  get dir(): string {
    return this.layout.keysDir;
  }

  private get privatePath(): string {
    return path.join(this.dir, SIGNING_KEY_FILE);
  }

  /** The current signing key, made now if the spool has none (two processes making it at once agree on the first one placed). */
  signingKey(): SigningKey {
    const existing = this.readSigningKey();
    if (existing) return existing;
    this.ensureDir();
    const { privateKey } = crypto.generateKeyPairSync('ed25519');
    try {
      writeFileAtomic(this.layout, this.privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { noReplace: true, mode: 0o600 });
    } catch (error) {
      if (!(error instanceof TargetExistsError)) throw error;
    }
    return this.readSigningKey()!;
  }

  /** The current key's public half without making one; undefined when this spool has signed nothing yet. */
  current(): PublicKey | undefined {
    const key = this.readSigningKey();
    return key && { keyid: key.keyid, public: key.public };
  }

  /** Keys this spool signed with before its last rotations, oldest file name first. */
  previous(): PublicKey[] {
    const current = this.current()?.keyid;
    return readPublicKeyDir(path.join(this.dir, PREVIOUS_DIR)).filter((k) => k.keyid !== current);
  }

  /**
   * Replaces the signing key. The old public key is written to previous/ first and durably,
   * so a crash leaves either the old key current (listed twice, harmlessly) or the new one
   * current with the old one listed. The caller holds keys/'s lock.
   */
  rotate(): { previous: PublicKey; current: PublicKey } {
    const old = this.signingKey();
    ensureDirInside(this.layout.root, path.join(this.dir, PREVIOUS_DIR));
    writePublicKey(this.layout, path.join(this.dir, PREVIOUS_DIR), old);
    const { privateKey } = crypto.generateKeyPairSync('ed25519');
    const next = signingKeyFrom(privateKey, 'the new key');
    const endorsement: Endorsement = { public: next.public, by: old.keyid, sig: old.sign(endorsementText(next.keyid)) };
    writeFileAtomic(this.layout, path.join(this.dir, ENDORSEMENTS_DIR, `${next.keyid}.json`), JSON.stringify(endorsement), { noReplace: false });
    writeFileAtomic(this.layout, this.privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { noReplace: false, mode: 0o600 });
    return { previous: { keyid: old.keyid, public: old.public }, current: { keyid: next.keyid, public: next.public } };
  }

  /** The current key's endorsement by the key it replaced; undefined for a key never rotated to. */
  endorsement(): Endorsement | undefined {
    const current = this.current();
    if (!current) return undefined;
    try {
      return JSON.parse(fs.readFileSync(path.join(this.dir, ENDORSEMENTS_DIR, `${current.keyid}.json`), 'utf8')) as Endorsement;
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw error;
    }
  }

  private ensureDir(): void {
    ensureDirInside(this.layout.root, this.dir);
    fs.chmodSync(this.dir, 0o700);
  }

  private readSigningKey(): SigningKey | undefined {
    let pem: string;
    try {
      pem = fs.readFileSync(this.privatePath, 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw error;
    }
    const source = this.layout.relative(this.privatePath);
    let privateKey: crypto.KeyObject;
    try {
      privateKey = crypto.createPrivateKey(pem);
    } catch {
      throw new KeyFormatError(
        source,
        'not a PEM private key: restore it from a backup, or move it aside and `keys rotate` (its links then verify only with its public key)',
      );
    }
    return signingKeyFrom(privateKey, source);
  }
}

/** A key's endorsement by the key it replaced: its public half, and the old key's signature of endorsementText(its key id). */
export interface Endorsement {
  readonly public: string;
  /** The key id of the key that signed it. */
  readonly by: string;
  readonly sig: string;
}

export function endorsementText(keyid: string): string {
  return `repro-spool signing key rotation: ${keyid} replaces the key that signs this`;
}

const ENDORSEMENT_SCHEMA = z.object({ public: z.string().regex(HEX_KEY), by: z.string().regex(/^[0-9a-f]{64}$/), sig: z.string() }).strict();

/** The key an endorsement vouches for, if it is one and a key in `trusted` signed it; undefined otherwise. */
export function endorsedKey(endorsement: unknown, trusted: readonly PublicKey[]): PublicKey | undefined {
  const parsed = ENDORSEMENT_SCHEMA.safeParse(endorsement);
  if (!parsed.success) return undefined;
  const endorser = trusted.find((k) => k.keyid === parsed.data.by);
  const key = publicKeyOf(parsed.data.public, 'an endorsement');
  return endorser && verifySignature(endorser, endorsementText(key.keyid), parsed.data.sig) ? key : undefined;
}

/** Writes key as dir/$KEYID.pub; one already there (named by the same key id: readPublicKeyDir checks it) is fine. */
export function writePublicKey(layout: Layout, dir: string, key: PublicKey): void {
  const file = path.join(dir, `${key.keyid}${PUBLIC_KEY_SUFFIX}`);
  // Already there (a local check pins its nodes' keys at every build): no durable temp written only to be refused.
  if (fs.existsSync(file)) return;
  try {
    writeFileAtomic(layout, file, formatPublicKeyFile(key), { noReplace: true });
  } catch (error) {
    if (!(error instanceof TargetExistsError)) throw error;
  }
}

/** Every $KEYID.pub in dir (none when dir is absent), each checked to be named by its own key id. */
export function readPublicKeyDir(dir: string): PublicKey[] {
  let names: string[];
  try {
    names = fs
      .readdirSync(dir)
      .filter((n) => n.endsWith(PUBLIC_KEY_SUFFIX))
      .sort();
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw error;
  }
  return names.map((name) => {
    const file = path.join(dir, name);
    const key = parsePublicKeyFile(fs.readFileSync(file, 'utf8'), file);
    if (`${key.keyid}${PUBLIC_KEY_SUFFIX}` !== name) throw new KeyFormatError(file, `holds the key ${key.keyid}: a key file is named by its key id`);
    return key;
  });
}
