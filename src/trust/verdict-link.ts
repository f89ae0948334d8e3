/**
 * Main's signed statement of a verdict: an in-toto link named `verdict`, in the check's
 * directory beside the verdict file, whose materials are the builds' links (so it names
 * exactly the builds it judged, and through them their products) and whose products are
 * the verdict file and record.json. Written before the verdict file, the check's commit
 * point: a verdict never exists unsigned.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RECORD_FILE, VERDICT_FILE, buildDir, buildDirName } from '../archive/format.js';
import { BUILD_NUMBERS } from '../spool/build-status.js';
import type { EntryId } from '../spool/identity.js';
import type { SigningKey } from './keys.js';
import { type Hashes, REBUILD_LINK, VERDICT_LINK, VERDICT_STEP, hashFile, hashText, makeLink, signLink } from './link.js';

/** The builds' links in a check's directory, by the name a verdict link lists them under (build1/rebuild.link). */
export function buildLinksOf(check: string): Array<{ readonly name: string; readonly file: string }> {
  return BUILD_NUMBERS.map((n) => ({ name: `${buildDirName(n)}/${REBUILD_LINK}`, file: path.join(buildDir(check, n), REBUILD_LINK) })).filter((l) =>
    fs.existsSync(l.file),
  );
}

/** The in-toto links a check's directory holds, relative to it: main's statement first, then the builds'. */
export function linkFilesOf(check: string): string[] {
  return [...(fs.existsSync(path.join(check, VERDICT_LINK)) ? [VERDICT_LINK] : []), ...buildLinksOf(check).map((l) => l.name)];
}

export function signVerdictLink(
  check: string,
  id: EntryId,
  verdict: string,
  texts: { readonly verdict: string; readonly record: string },
  key: SigningKey,
): string {
  const materials: Record<string, Hashes> = {};
  for (const link of buildLinksOf(check)) materials[link.name] = hashFile(link.file);
  return signLink(
    makeLink({
      name: VERDICT_STEP,
      materials,
      products: { [VERDICT_FILE]: hashText(texts.verdict), [RECORD_FILE]: hashText(texts.record) },
      command: ['repro-spool', 'check'],
      environment: { source: id.pkg, version: id.version, suite: id.suite, architecture: id.arch, verdict },
    }),
    key,
  );
}
