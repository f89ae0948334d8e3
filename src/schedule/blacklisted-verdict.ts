/**
 * A blacklisted package is not built: it gets the verdict `blacklisted` with the reason as
 * its detail, recorded once per version, so that the dashboard counts it and the
 * scheduler passes it by until a new upload. Both schedulers (named and --auto) record it so.
 */
import { entryId, formatId } from '../spool/identity.js';
import type { StoreRecord } from '../store/records.js';
import type { CandidateRow } from './candidates.js';

/** The verdict to record for the row's version, or undefined if it is recorded already. */
export function blacklistedVerdict(row: CandidateRow, suite: string, arch: string, reason: string, now: string): StoreRecord | undefined {
  if (row.tested_verdict === 'blacklisted' && row.tested_version === row.version) return undefined;
  return {
    kind: 'result',
    key: `blacklisted ${formatId(entryId(suite, arch, row.name, row.version))}`,
    source: { name: row.name, version: row.version, suite, architecture: arch },
    verdict: 'blacklisted',
    detail: reason,
    buildDate: now,
    builds: [],
  };
}
