/**
 * The words the published files use for a verdict: those of the system this project
 * replaces (rblib/models.py and reproducible_json.py of jenkins.debian.net), which
 * tracker.debian.org and other consumers of reproducible.json know. Where this project's
 * word differs, the file uses the original's; a verdict the original leaves out of its
 * export (not for us, E404, blacklisted) has none. A new verdict must be given its word
 * here: the Record makes a missing one a type error.
 */
import type { Verdict } from '../store/records.js';

export const PUBLISHED_STATUS: Readonly<Record<Verdict, string | undefined>> = {
  reproducible: 'reproducible',
  unreproducible: 'FTBR', // "failed to build reproducibly"
  nondeterministic: 'FTBR', // differs from itself under the same variations: it fails to build reproducibly too
  FTBFS: 'FTBFS',
  depwait: 'depwait',
  timeout: 'timeout',
  // Left out, as the original leaves out NFU, 404 and blacklisted: nothing was tested.
  'not-for-us': undefined,
  E404: undefined,
  blacklisted: undefined,
  // The sources did not match their .dsc, so nothing was built: the original has no word for it and would have failed the download (404).
  'checksum-mismatch': undefined,
};

/** The verdicts that appear in the published files. */
export const PUBLISHED_VERDICTS = (Object.keys(PUBLISHED_STATUS) as Verdict[]).filter((v) => PUBLISHED_STATUS[v] !== undefined);

/**
 * The tracker file's status of one version across architectures, as the original
 * combines them: FTBFS if any architecture failed to build, else FTBR if any was
 * unreproducible, else reproducible if any was, else depwait (so two architectures that
 * both timed out read depwait, as in the original; a single one keeps its own word).
 */
export const TRACKER_PRECEDENCE = ['FTBFS', 'FTBR', 'reproducible'] as const;
export const TRACKER_OTHERWISE = 'depwait';
