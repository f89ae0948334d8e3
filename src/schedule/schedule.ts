/**
 * Putting chosen work into scheduled/ (the seed's steps 1–3 on main) for what an operator
 * asks for: packages named on the command line, or chosen by their last verdict and its
 * date (`--status`), both category manual and counted against the requester's daily
 * limit; and `--new` (never tested, or a newer version than the last verdict). Named
 * packages and `--new` have each .dsc downloaded to take its sha256 (and discard it),
 * checked against the catalogue; a filter takes it from the catalogue, as `--auto` does.
 * A package already anywhere in the spool (scheduled, shipped, building, failed) is never
 * scheduled twice. A blacklisted package is not scheduled: it gets the verdict
 * `blacklisted` instead; a filter never selects one (name it to have it built).
 */
import { type DscCheck, dscSha256Of } from '../fetch/source-fetch.js';
import type { DownloadOptions } from '../fetch/download.js';
import { SpoolError } from '../errors.js';
import { type EntryId, entryId, formatId } from '../spool/identity.js';
import type { Spool } from '../spool/spool.js';
import { catalogueWithVerdicts } from '../store/catalogue.js';
import type { SqlSession } from '../store/session.js';
import type { StoreRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { Blacklist } from './blacklist.js';
import { type AgedFilter, type CandidateRow, agedCandidates, manualRequestsSince, newVersionCandidates, untestedCandidates } from './candidates.js';
import type { Category } from './categories.js';
import { placeEntry } from './place.js';
import { blacklistedVerdict } from './blacklisted-verdict.js';
import { queueCensus } from './queue.js';

export const SCHEDULE_OUTCOMES = ['scheduled', 'already-scheduled', 'blacklisted', 'unknown', 'E404', 'checksum-mismatch', 'unreachable'] as const;
export type ScheduleOutcome = (typeof SCHEDULE_OUTCOMES)[number];

export type Selection =
  | { readonly named: readonly string[] }
  /** Never tested, then newer than the last verdict. */
  | { readonly newOnly: true }
  /** By the latest verdict and its date: an operator's filter. */
  | { readonly filter: AgedFilter };

export interface ScheduleRequest {
  readonly suite: string;
  readonly arch: string;
  readonly selection: Selection;
  readonly limit: number;
  readonly priority: number;
  readonly reason: string;
  readonly requester: string;
  /** Report what would be scheduled, change nothing. */
  readonly dryRun?: boolean;
}

export interface Scheduled {
  readonly pkg: string;
  readonly version?: string;
  readonly outcome: ScheduleOutcome;
  readonly category?: Category;
  readonly detail?: string;
}

export interface ScheduleContext {
  readonly spool: Spool;
  readonly store: Store;
  readonly mirror: string;
  readonly download: DownloadOptions;
  readonly blacklist: Blacklist;
  /** Manual requests a requester may make in 24 hours. */
  readonly manualDailyLimit: number;
}

const DAY_MS = 24 * 3600_000;
/** Filter results read at a time. */
const PAGE_ROWS = 1000;

interface Chosen {
  readonly row: CandidateRow;
  readonly category: Category;
}

export async function schedule(ctx: ScheduleContext, request: ScheduleRequest): Promise<Scheduled[]> {
  const now = new Date(ctx.spool.clock.now()).toISOString();
  const census = queueCensus(ctx.spool);
  const { chosen, unknown, manualSoFar } = await ctx.store.read(async (db) => ({
    ...(await candidates(db, request)),
    manualSoFar: await manualRequestsSince(db, request.requester, new Date(ctx.spool.clock.now() - DAY_MS).toISOString()),
  }));
  const report: Scheduled[] = unknown.map((pkg) => ({
    pkg,
    outcome: 'unknown',
    detail: `not in the ${request.suite}/${request.arch} catalogue (run sources import)`,
  }));
  const history: StoreRecord[] = [];
  const toPlace: Chosen[] = [];
  for (const { row, category } of chosen) {
    if (toPlace.length >= request.limit) break;
    const base = { pkg: row.name, version: row.version, category };
    const places = census.placesOf(request.suite, request.arch, row.name);
    if (places) {
      report.push({ ...base, outcome: 'already-scheduled', detail: `in ${places.join(' and ')}` });
      continue;
    }
    const blacklisted = ctx.blacklist.reasonFor(row.name, request.suite, request.arch);
    if (blacklisted !== undefined && !('filter' in request.selection)) {
      report.push({ ...base, outcome: 'blacklisted', detail: blacklisted });
      // Its verdict, once per version: the dashboard counts it, and the scheduler passes it by until a new upload.
      const verdict = blacklistedVerdict(row, request.suite, request.arch, blacklisted, now);
      if (verdict && !request.dryRun) history.push(verdict);
      continue;
    }
    if (blacklisted !== undefined) continue; // a filter never selects a blacklisted package
    toPlace.push({ row, category });
  }
  const manual = toPlace.filter((c) => c.category === 'manual').length;
  if (manual > 0 && manualSoFar + manual > ctx.manualDailyLimit) {
    throw new SpoolError(
      'usage',
      `${request.requester} has made ${manualSoFar} manual requests in the last 24 hours; ${manual} more would pass ` +
        `scheduler.manualDailyLimit (${ctx.manualDailyLimit}): nothing was scheduled`,
    );
  }
  for (const { row, category } of toPlace) {
    const outcome = request.dryRun
      ? { pkg: row.name, version: row.version, category, outcome: 'scheduled' as const, detail: 'dry run' }
      : await placeOne(ctx, request, row, category);
    report.push(outcome);
    if (outcome.outcome === 'scheduled' && !request.dryRun) {
      const source = { name: row.name, version: row.version, suite: request.suite, architecture: request.arch };
      history.push({ kind: 'scheduled', source, priority: request.priority, scheduledAt: now, reason: request.reason, category, requester: request.requester });
    }
  }
  if (history.length > 0) await ctx.store.record(history);
  return report;
}

function idOf(request: ScheduleRequest, row: CandidateRow): EntryId {
  return entryId(request.suite, request.arch, row.name, row.version);
}

async function candidates(db: SqlSession, request: ScheduleRequest): Promise<{ chosen: Chosen[]; unknown: string[] }> {
  const { selection, suite, arch } = request;
  if ('newOnly' in selection) {
    const untested = (await untestedCandidates(db, suite, arch)).sort((a, b) => a.name.localeCompare(b.name));
    const newer = await newVersionCandidates(db, suite, arch);
    return {
      chosen: [...untested.map((row) => ({ row, category: 'untested' as const })), ...newer.map((row) => ({ row, category: 'new' as const }))],
      unknown: [],
    };
  }
  if ('filter' in selection) {
    const chosen: Chosen[] = [];
    for await (const row of agedCandidates(db, suite, arch, selection.filter, PAGE_ROWS)) chosen.push({ row, category: 'manual' });
    return { chosen, unknown: [] };
  }
  const known = new Map((await catalogueWithVerdicts(db, suite, arch)).map((row) => [row.name, row]));
  const wanted = [...new Set(selection.named)];
  return {
    chosen: wanted.flatMap((p) => {
      const row = known.get(p);
      return row ? [{ row: { ...row, build_date: null }, category: 'manual' as const }] : [];
    }),
    unknown: wanted.filter((p) => !known.has(p)),
  };
}

async function placeOne(ctx: ScheduleContext, request: ScheduleRequest, row: CandidateRow, category: Category): Promise<Scheduled> {
  const base = { pkg: row.name, version: row.version, category };
  // Named packages and --new: the mirror must serve what the catalogue says, before anything is scheduled.
  if (!('filter' in request.selection)) {
    const check: DscCheck = await dscSha256Of(ctx.spool, ctx.mirror, row.dsc_path, ctx.download);
    if (check.outcome !== 'fetched') return { ...base, outcome: check.outcome, detail: check.detail };
    if (check.sha256 !== row.dsc_sha256) {
      return {
        ...base,
        outcome: 'checksum-mismatch',
        detail: `the mirror's ${row.dsc_path} has sha256 ${check.sha256}, the catalogue says ${row.dsc_sha256} (re-import the index)`,
      };
    }
  }
  const id = idOf(request, row);
  const placed = await placeEntry(ctx.spool, {
    id,
    dscSha256: row.dsc_sha256,
    dscPath: row.dsc_path,
    category,
    priority: request.priority,
    reason: request.reason,
    requester: request.requester,
  });
  // Another scheduler got there between our look and our write: that is success for the caller.
  if (placed === 'exists') return { ...base, outcome: 'already-scheduled', detail: 'scheduled concurrently' };
  return { ...base, outcome: 'scheduled', detail: formatId(id) };
}
