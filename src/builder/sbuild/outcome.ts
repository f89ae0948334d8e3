/**
 * What an sbuild run says about itself, read from its log's summary (`Status:`,
 * `Fail-Stage:`) and, for unsatisfiable build dependencies, the dose3 explanation
 * (`unsat-dependency:` / `unsat-conflict:` lines). sbuild's exit code alone cannot tell
 * "dependencies cannot be satisfied" from "apt could not reach the mirror": both are 3.
 */
export interface SbuildSummary {
  /** successful, attempted, given-back, failed, skipped (absent if sbuild died before its summary). */
  readonly status?: string;
  readonly failStage?: string;
  /** The relations that cannot be satisfied in the suite, as sbuild's explainer names them. */
  readonly unsatisfiable: string[];
}

export function readSummary(log: string): SbuildSummary {
  const summaryStart = log.lastIndexOf('| Summary ');
  const summary = summaryStart === -1 ? '' : log.slice(summaryStart);
  const field = (name: string) => new RegExp(`^${name}: (.+)$`, 'm').exec(summary)?.[1]?.trim();
  const unsatisfiable = [...log.matchAll(/^\s*unsat-(?:dependency|conflict): (.+)$/gm)].map((m) => m[1]!.trim());
  return { status: field('Status'), failStage: field('Fail-Stage'), unsatisfiable: [...new Set(unsatisfiable)] };
}

/** What the builder makes of it. */
export type SbuildVerdict =
  | { readonly kind: 'built' }
  | { readonly kind: 'FTBFS' }
  | { readonly kind: 'depwait'; readonly unsatisfiable: string[] }
  | { readonly kind: 'not-for-us' }
  /** Not the package's doing (apt could not fetch, a session could not be made…): hand the entry back. */
  | { readonly kind: 'infrastructure'; readonly stage: string };

export function judge(summary: SbuildSummary, exitCode: number | null): SbuildVerdict {
  if (exitCode === 0 && summary.status === 'successful') return { kind: 'built' };
  const stage = summary.failStage ?? 'unknown';
  if (stage === 'install-deps' && summary.unsatisfiable.length > 0) return { kind: 'depwait', unsatisfiable: summary.unsatisfiable };
  if (stage === 'arch-check' || stage === 'check-architecture') return { kind: 'not-for-us' };
  // The package's own doing: its source does not unpack, or dpkg-buildpackage failed.
  if (stage === 'build' || stage === 'unpack' || summary.status === 'attempted') return { kind: 'FTBFS' };
  return { kind: 'infrastructure', stage: summary.failStage ?? `sbuild exited ${exitCode} without a summary` };
}
