/**
 * `verify`: a concluded check's links against the keys repro-spool publishes (`keys show`):
 * main's statement (verdict.link) signed by main's key, current or previous, naming the
 * builds' links and the verdict and record as they are; each build's link (rebuild.link)
 * signed by a key pinned for the node it names, listing the products its directory holds
 * with their hashes. Retention drops old checks' .debs and keeps the links: a product
 * absent for that reason is counted, not an error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RECORD_FILE, VERDICT_FILE } from '../archive/format.js';
import type { Layout } from '../spool/layout.js';
import { isName } from '../spool/names.js';
import { buildLinksOf } from './verdict-link.js';
import { KeyDir, type PublicKey } from './keys.js';
import { REBUILD_STEP, type SignedLink, VERDICT_LINK, VERDICT_STEP, hashFile, signerOf } from './link.js';
import { productMismatch, readLinkFile } from './build-link.js';
import { pinnedKeys } from './pins.js';

export interface VerifiedLink {
  /** The link's file, relative to the check's directory. */
  readonly file: string;
  readonly step: string;
  /** main, or the node the build link names. */
  readonly signedFor: string;
  /** The key id that verified, if one did. */
  readonly signer?: string;
  readonly products: number;
  /** Products retention removed (their hashes stay in the link). */
  readonly pruned: number;
}

export interface CheckVerification {
  readonly check: string;
  readonly links: VerifiedLink[];
  /** What failed, each naming the file; empty when the check verifies. */
  readonly problems: string[];
}

/** main's own keys: the current one and those it rotated away from. */
export function mainKeys(main: Layout): PublicKey[] {
  const keys = new KeyDir(main);
  const current = keys.current();
  return [...(current ? [current] : []), ...keys.previous()];
}

export function verifyCheck(main: Layout, check: string): CheckVerification {
  const links: VerifiedLink[] = [];
  const problems: string[] = [];
  const relative = (file: string) => path.relative(check, file);
  const read = (file: string): SignedLink | undefined => {
    const link = readLinkFile(file);
    if (!('problem' in link)) return link;
    problems.push(`${relative(file)}: ${link.problem}`);
    return undefined;
  };
  const statementFile = path.join(check, VERDICT_LINK);
  if (!fs.existsSync(statementFile)) {
    problems.push(`${VERDICT_LINK}: missing (a check concluded before repro-spool signed its verdicts, or its statement was removed)`);
  } else {
    const statement = read(statementFile);
    if (statement) {
      const signer = signerOf(statement, mainKeys(main));
      if (!signer) problems.push(`${VERDICT_LINK}: not signed by main's key, current or previous (signed by ${signersOf(statement)})`);
      if (statement.signed.name !== VERDICT_STEP) problems.push(`${VERDICT_LINK}: step ${JSON.stringify(statement.signed.name)}, expected ${VERDICT_STEP}`);
      const builds = buildLinksOf(check);
      const named = Object.keys(statement.signed.materials).sort();
      if (named.join(' ') !== builds.map((b) => b.name).join(' ')) {
        problems.push(
          `${VERDICT_LINK}: names the build links ${named.join(', ') || 'none'}, the check holds ${builds.map((b) => b.name).join(', ') || 'none'}`,
        );
      }
      const signed = { ...statement.signed.materials, ...statement.signed.products };
      for (const name of [...builds.map((b) => b.name), VERDICT_FILE, RECORD_FILE]) {
        const hashes = signed[name];
        const file = path.join(check, name);
        if (!hashes) continue; // a build link it does not name is reported above
        if (!fs.existsSync(file)) {
          problems.push(`${name}: missing, though ${VERDICT_LINK} names it`);
          continue;
        }
        const actual = hashFile(file).sha256;
        if (actual !== hashes.sha256) problems.push(`${name}: changed since main signed ${VERDICT_LINK} (sha256 ${actual}, signed ${hashes.sha256})`);
      }
      links.push({
        file: VERDICT_LINK,
        step: statement.signed.name,
        signedFor: 'main',
        signer: signer?.keyid,
        products: Object.keys(statement.signed.products).length,
        pruned: 0,
      });
    }
  }
  for (const build of buildLinksOf(check)) {
    const link = read(build.file);
    if (!link) continue;
    const node = link.signed.environment.node;
    if (typeof node !== 'string' || !isName('node', node)) {
      problems.push(`${build.name}: names the node ${JSON.stringify(node)}, expected a node name`);
      continue;
    }
    const pinned = pinnedKeys(main, node);
    const signer = signerOf(link, pinned);
    if (!signer) problems.push(`${build.name}: not signed by a key pinned for node ${node} (signed by ${signersOf(link)}; ${pinned.length} pinned)`);
    if (link.signed.name !== REBUILD_STEP) problems.push(`${build.name}: step ${JSON.stringify(link.signed.name)}, expected ${REBUILD_STEP}`);
    const dir = path.dirname(build.file);
    const mismatch = productMismatch(dir, link, 'pruned');
    if (mismatch) problems.push(`${build.name}: ${mismatch}`);
    const products = Object.keys(link.signed.products);
    links.push({
      file: build.name,
      step: link.signed.name,
      signedFor: node,
      signer: signer?.keyid,
      products: products.length,
      pruned: products.filter((p) => !fs.existsSync(path.join(dir, p))).length,
    });
  }
  return { check, links, problems };
}

function signersOf(link: SignedLink): string {
  return link.signatures.map((s) => s.keyid.slice(0, 16)).join(', ') || 'nobody';
}
