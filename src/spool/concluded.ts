/**
 * Has this very scheduling of an entry already reached its verdict? A check records the
 * verdict (archive + reproducible.db) before it removes the entry, so a check killed in
 * between leaves an entry whose verdict exists. Its archived `verdict` file names the
 * entry's Scheduled time (unchanged by hand-backs), so the reaper and the next check can
 * tell "concluded, only the removal is missing" from "never checked", and finish the
 * removal instead of checking it again (which would record a second verdict).
 */
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errors.js';
import type { Entry } from './entry.js';
import type { Layout } from './layout.js';
import { readVerdict } from '../archive/checks.js';
import { checkDir } from '../archive/format.js';

export interface Concluded {
  readonly archive: string;
  readonly verdict: string;
  readonly detail?: string;
}

export function concludedCheck(layout: Layout, entry: Entry): Concluded | undefined {
  const scheduled = entry.fields.get('Scheduled');
  if (scheduled === undefined) return undefined;
  const versionDir = path.dirname(checkDir(layout, entry.id, scheduled));
  let checks: string[];
  try {
    checks = fs.readdirSync(versionDir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  for (const check of checks.sort().reverse()) {
    const archived = readVerdict(path.join(versionDir, check));
    if (archived === undefined) continue; // a check still being archived
    if (archived.scheduled === scheduled) return { archive: path.join(versionDir, check), verdict: archived.verdict, detail: archived.detail };
  }
  return undefined;
}
