import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { checkIssuesDefined, parseIssuesFile, parsePackagesFile } from '../../notes/notes-file.js';
import { replaceNotes, unknownNotedPackages } from '../../store/notes.js';
import { contextOf, storeOf } from '../context.js';

export async function run(options: { packages: string; issues: string }, command: Command): Promise<void> {
  const ctx = contextOf(command);
  // Both files whole and valid before anything is stored: a bad push to the notes repository changes nothing.
  const notes = parsePackagesFile(options.packages);
  const issues = parseIssuesFile(options.issues);
  checkIssuesDefined(options.packages, notes, options.issues, issues);
  const withoutVersion = notes.filter((n) => n.version === undefined).map((n) => n.name);
  const unknownPackages = await (
    await storeOf(ctx)
  ).write(async (db) => {
    await replaceNotes(db, notes, issues, new Date(ctx.spool.clock.now()).toISOString());
    return unknownNotedPackages(db);
  });
  for (const name of withoutVersion) ctx.out.progress(`warning: the note for ${name} gives no version: it applies to every version`);
  if (unknownPackages.length > 0) {
    ctx.out.progress(`warning: ${unknownPackages.length} notes are for packages neither in the catalogue nor tested: ${unknownPackages.join(', ')}`);
  }
  const counts = `${withoutVersion.length} without a version, ${unknownPackages.length} for unknown packages`;
  ctx.out.result(
    { notes: notes.length, issues: issues.length, withoutVersion, unknownPackages },
    () => `notes import: ${notes.length} notes, ${issues.length} issues; ${counts}`,
  );
}
