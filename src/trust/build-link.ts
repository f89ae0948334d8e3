/**
 * A single build's in-toto link: made and signed on the node that built, before its
 * results are completed (so the link is in them from the start), and checked by main
 * when it fetches them, against that node's pinned keys and the files that arrived.
 *
 *   materials    the .dsc and every file it names, as fetched and checked
 *   products     every .deb, .udeb, .buildinfo and .changes of the results
 *   environment  the entry, the node, the build number, the status, the applied variations and the chroot
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ChrootTarball } from '../chroot/tarballs.js';
import type { Stanza } from '../debian/deb822.js';
import { NodeIntegrityError, quoteValue } from '../errors.js';
import type { BuildNumber, BuildStatus } from '../spool/build-status.js';
import type { EntryId } from '../spool/identity.js';
import { isBuildProduct, isPackageFile } from '../builder/compare.js';
import type { CanonicalValue } from './canonical-json.js';
import { type Endorsement, type PublicKey, type SigningKey, endorsedKey } from './keys.js';
import {
  type Hashes,
  type LinkBody,
  MAX_LINK_BYTES,
  REBUILD_LINK,
  REBUILD_STEP,
  type SignedLink,
  hashFile,
  hashText,
  makeLink,
  parseLink,
  signLink,
  signerOf,
} from './link.js';

/** The environment key of a rotated key's endorsement. */
export const ENDORSEMENT_FIELD = 'key-endorsement';

export interface BuildFacts {
  readonly id: EntryId;
  readonly node: string;
  readonly buildNumber: BuildNumber;
  readonly status: BuildStatus;
  readonly dscSha256: string;
  /** The fetched .dsc and the directory its files are in; undefined when the source never arrived. */
  readonly source?: { readonly dscFile: string; readonly files: readonly string[] };
  readonly variations: Stanza;
  readonly chroot?: ChrootTarball;
}

/** The environment's keys that main checks against what it asked for. */
function expectedEnvironment(facts: Pick<BuildFacts, 'id' | 'node' | 'buildNumber' | 'status' | 'dscSha256'>): Record<string, string> {
  return {
    source: facts.id.pkg,
    version: facts.id.version,
    suite: facts.id.suite,
    architecture: facts.id.arch,
    node: facts.node,
    'build-number': String(facts.buildNumber),
    status: facts.status,
    'dsc-sha256': facts.dscSha256,
  };
}

/**
 * The signed link of a build whose products are `products` (name → its file, or its
 * content for a product made in memory), as the text of REBUILD_LINK.
 */
export function signBuildLink(
  facts: BuildFacts,
  products: Readonly<Record<string, string | { readonly copyFrom: string }>>,
  key: SigningKey,
  endorsement?: Endorsement,
): string {
  const materials: Record<string, Hashes> = {};
  if (facts.source) {
    const dir = path.dirname(facts.source.dscFile);
    materials[path.basename(facts.source.dscFile)] = hashFile(facts.source.dscFile);
    for (const name of facts.source.files) materials[name] = hashFile(path.join(dir, name));
  }
  const hashed: Record<string, Hashes> = {};
  for (const [name, file] of Object.entries(products)) {
    if (isBuildProduct(name)) hashed[name] = typeof file === 'string' ? hashText(file) : hashFile(file.copyFrom);
  }
  const variations: Record<string, CanonicalValue> = {};
  for (const [field, value] of facts.variations.entries()) variations[field] = value;
  const body: LinkBody = makeLink({
    name: REBUILD_STEP,
    materials,
    products: hashed,
    command: ['repro-spool', 'build', String(facts.buildNumber), '--node', facts.node],
    environment: {
      ...expectedEnvironment(facts),
      variations,
      ...(facts.chroot && { chroot: { suite: facts.chroot.suite, architecture: facts.chroot.arch, created: facts.chroot.created.toISOString() } }),
      // A rotated key says which key it replaces, signed by that one: main pins it on the first link it signs.
      ...(endorsement && { [ENDORSEMENT_FIELD]: { ...endorsement } }),
    },
  });
  return signLink(body, key);
}

/** A link file of at most MAX_LINK_BYTES, or what is wrong with it. */
export function readLinkFile(file: string): SignedLink | { readonly problem: string } {
  const stat = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!stat) return { problem: 'missing' };
  if (!stat.isFile()) return { problem: 'not a plain file' };
  if (stat.size > MAX_LINK_BYTES) return { problem: `${stat.size} bytes, more than a link's ${MAX_LINK_BYTES}` };
  return parseLink(fs.readFileSync(file, 'utf8'));
}

/**
 * Main's check of a fetched build: its link is signed by one of the node's pinned keys,
 * says it is the build main asked for, names the .dsc main scheduled, and lists exactly
 * the products that arrived, with their hashes. Throws NodeIntegrityError (exit 5).
 */
export function verifyBuildLink(
  dir: string,
  expected: Omit<BuildFacts, 'source' | 'variations' | 'chroot'>,
  pinned: readonly PublicKey[],
): { readonly signer: PublicKey; readonly endorsed?: PublicKey } {
  const { node } = expected;
  const refuse = (why: string) =>
    new NodeIntegrityError(node, `the results of build ${expected.buildNumber} from node ${node} ${why}; no verdict is taken from them`);
  if (pinned.length === 0) {
    throw new NodeIntegrityError(
      node,
      `node ${node} has no pinned signing key, so its build ${expected.buildNumber} cannot be trusted: compare the key id that ` +
        `\`repro-spool keys show\` prints on the node with the collected one, then \`repro-spool keys pin ${node}\``,
    );
  }
  const link = readLinkFile(path.join(dir, REBUILD_LINK));
  if ('problem' in link) throw refuse(`have a ${REBUILD_LINK} that is not one they can be trusted by (${link.problem})`);
  // Signed by a key the node rotated to, endorsed by one main pins: as good as pinned (the caller pins it once all else holds).
  const endorsed = signerOf(link, pinned) ? undefined : endorsedKey(link.signed.environment[ENDORSEMENT_FIELD], pinned);
  const signer = signerOf(link, endorsed ? [endorsed] : pinned);
  if (!signer) {
    const by = link.signatures.map((s) => s.keyid.slice(0, 16)).join(', ') || 'nobody';
    throw refuse(
      `have a ${REBUILD_LINK} not signed by a key pinned for ${node} (signed by ${by}; pinned: ${pinned.map((k) => k.keyid.slice(0, 16)).join(', ')})`,
    );
  }
  if (link.signed.name !== REBUILD_STEP) throw refuse(`have a ${REBUILD_LINK} of step ${quoteValue(link.signed.name)}: expected ${REBUILD_STEP}`);
  for (const [key, value] of Object.entries(expectedEnvironment(expected))) {
    const given = link.signed.environment[key];
    if (given !== value)
      throw refuse(
        `have a ${REBUILD_LINK} whose ${key} is ${given === undefined ? 'missing' : quoteValue(JSON.stringify(given))}: expected ${quoteValue(value)}`,
      );
  }
  if (expected.status === 'built' && !Object.values(link.signed.materials).some((h) => h.sha256 === expected.dscSha256)) {
    throw refuse(`have a ${REBUILD_LINK} whose materials do not include the .dsc main scheduled (sha256 ${expected.dscSha256})`);
  }
  const problem = productMismatch(dir, link, 'arrived');
  if (problem) throw refuse(`do not match their ${REBUILD_LINK}: ${problem}`);
  return { signer, ...(endorsed && { endorsed }) };
}

/**
 * How the products in dir differ from those the link lists, if they do. `absent` says
 * what an absent product is: an error ('arrived'), or allowed ('pruned': retention drops
 * the .debs of old checks and keeps their links).
 */
export function productMismatch(dir: string, link: SignedLink, absent: 'arrived' | 'pruned'): string | undefined {
  const listed = link.signed.products;
  for (const name of fs.readdirSync(dir).filter(isBuildProduct).sort()) {
    const hashes = listed[name];
    if (!hashes) return `${quoteValue(name)} is not one of its products`;
    const actual = hashFile(path.join(dir, name));
    if (actual.sha256 !== hashes.sha256 || actual.sha512 !== hashes.sha512) {
      return `${quoteValue(name)} has sha256 ${actual.sha256}, the link says ${hashes.sha256}`;
    }
  }
  for (const name of Object.keys(listed)) {
    if (fs.existsSync(path.join(dir, name))) continue;
    if (absent === 'arrived' || !isPackageFile(name)) return `${quoteValue(name)}, one of its products, is missing`;
  }
  return undefined;
}
