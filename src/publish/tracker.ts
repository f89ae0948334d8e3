/**
 * reproducible-tracker.json's entry for one package (tracker.debian.org reads it to show
 * maintainers their package's status): its newest version only, the architectures
 * that tested that version, and one status combined across them, as the original's
 * reproducible_json.py does. An older version's architectures are dropped.
 */
import { compareVersions } from '../debian/version.js';
import type { ArchiveOutcome } from '../archive/versus-archive.js';
import { TRACKER_OTHERWISE, TRACKER_PRECEDENCE } from './status.js';

/** One row of reproducible.json. */
export interface PublishedRow {
  readonly package: string;
  readonly version: string;
  readonly suite: string;
  readonly architecture: string;
  readonly status: string;
  readonly build_date: string;
  /** Ours, beyond the original's format: how many of build 1's .debs are identical to the archive's, differ, or are absent there. */
  readonly versus_archive?: Readonly<Record<ArchiveOutcome, number>>;
}

export interface ArchitectureDetail {
  readonly architecture: string;
  readonly version: string;
  readonly status: string;
  readonly build_date: string;
}

export interface TrackerEntry {
  readonly package: string;
  readonly version: string;
  readonly suite: string;
  readonly status: string;
  readonly architecture_details: readonly ArchitectureDetail[];
}

function combined(a: string, b: string): string {
  return TRACKER_PRECEDENCE.find((status) => a === status || b === status) ?? TRACKER_OTHERWISE;
}

/** Folds one package's rows of one suite (at least one) into its entry. */
export function trackerEntry(rows: readonly PublishedRow[]): TrackerEntry {
  const [first, ...rest] = rows;
  if (!first) throw new RangeError('trackerEntry needs at least one row');
  const detail = (row: PublishedRow): ArchitectureDetail => ({
    architecture: row.architecture,
    version: row.version,
    status: row.status,
    build_date: row.build_date,
  });
  let version = first.version;
  let status = first.status;
  let details = [detail(first)];
  for (const row of rest) {
    const order = compareVersions(version, row.version);
    if (order > 0) continue; // an older version than the one kept
    if (order < 0) {
      details = [];
      status = row.status;
    } else {
      status = combined(status, row.status);
    }
    version = row.version;
    details.push(detail(row));
  }
  return { package: first.package, version, suite: first.suite, status, architecture_details: details };
}
