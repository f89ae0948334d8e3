/**
 * When a note speaks of a tested package: its version is the one it was written for, and
 * it holds for that version and later ones (the cause is presumed still there until
 * somebody says otherwise), as the original's reproducible_notes.py decides. A note
 * without a version holds for every version.
 */
import { compareVersions } from '../debian/version.js';

export function noteApplies(note: { readonly version?: string }, testedVersion: string): boolean {
  return note.version === undefined || compareVersions(note.version, testedVersion) <= 0;
}

/**
 * Issues that say a build failed because of the test infrastructure, not the package
 * (the original's filtered_issues): an FTBFS tagged with one is kept out of the published
 * files and the FTBFS list, as the original does.
 */
export const INFRASTRUCTURE_ISSUES: readonly string[] = [
  'ftbfs_in_jenkins_setup',
  'ftbfs_build-indep_not_build_on_some_archs',
  'ftbfs_due_to_f-file-prefix-map',
  'ffile_prefix_map_passed_to_clang',
];

/** Whether a verdict is an FTBFS the notes blame on the infrastructure. */
export function isInfrastructureFailure(
  verdict: string,
  testedVersion: string,
  note: { readonly version?: string; readonly issues: readonly string[] } | undefined,
): boolean {
  return verdict === 'FTBFS' && note !== undefined && noteApplies(note, testedVersion) && note.issues.some((i) => INFRASTRUCTURE_ISSUES.includes(i));
}
