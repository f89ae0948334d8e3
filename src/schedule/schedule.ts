/**
 * Putting work into scheduled/ (the seed's steps 1–3 on main): choose sources from the
 * catalogue, download each .dsc to take its sha256 (and discard it), check it against
 * the catalogue, and enqueue an entry carrying Dsc-Sha256, Dsc-Url and Priority. An entry
 * already scheduled or in flight anywhere in the spool is never scheduled twice. A
 * blacklisted package is not scheduled: it gets the verdict `blacklisted` instead.
 */
import { TargetExistsError } from '../errors.js';
import { type DscCheck, dscSha256Of } from '../fetch/source-fetch.js';
import type { DownloadOptions } from '../fetch/download.js';
import { type EntryId, entryId, formatId } from '../spool/identity.js';
import { SCHEDULED, placeName } from '../spool/layout.js';
import { locate } from '../spool/read-entry.js';
import type { Spool } from '../spool/spool.js';
import { enqueue } from '../spool/transitions/enqueue.js';
import { type Candidate, catalogueWithVerdicts, untestedSources } from '../store/catalogue.js';
import type { StoreRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { Blacklist } from './blacklist.js';

export const SCHEDULE_OUTCOMES = ['scheduled', 'already-scheduled', 'blacklisted', 'unknown', 'E404', 'checksum-mismatch', 'unreachable'] as const;
export type ScheduleOutcome = (typeof SCHEDULE_OUTCOMES)[number];

export interface ScheduleRequest {
  readonly suite: string;
  readonly arch: string;
  /** Explicit packages, or undefined with newOnly for "whatever is new". */
  readonly packages?: readonly string[];
  readonly newOnly?: boolean;
  readonly limit: number;
  readonly priority: number;
  readonly reason: string;
}

export interface Scheduled {
  readonly pkg: string;
  readonly version?: string;
  readonly outcome: ScheduleOutcome;
  readonly detail?: string;
}

export interface ScheduleContext {
  readonly spool: Spool;
  readonly store: Store;
  readonly mirror: string;
  readonly download: DownloadOptions;
  readonly blacklist: Blacklist;
}

export async function schedule(ctx: ScheduleContext, request: ScheduleRequest): Promise<Scheduled[]> {
  const { rows, unknown } = await candidates(ctx.store, request);
  const report: Scheduled[] = unknown.map((pkg) => ({
    pkg,
    outcome: 'unknown',
    detail: `not in the ${request.suite}/${request.arch} catalogue (run sources import)`,
  }));
  const history: StoreRecord[] = [];
  const now = new Date(ctx.spool.clock.now()).toISOString();
  for (const row of rows) {
    if (report.filter((r) => r.outcome === 'scheduled').length >= request.limit) break;
    const id = entryId(request.suite, request.arch, row.name, row.version);
    const source = { name: id.pkg, version: id.version, suite: id.suite, architecture: id.arch };
    const blacklisted = ctx.blacklist.reasonFor(row.name, request.suite, request.arch);
    if (blacklisted !== undefined) {
      report.push({ pkg: id.pkg, version: id.version, outcome: 'blacklisted', detail: blacklisted });
      // Its verdict, once per version: the dashboard counts it, and `schedule --new` passes it by until a new upload.
      const recorded = row.tested_verdict === 'blacklisted' && row.tested_version === row.version;
      if (!recorded)
        history.push({ kind: 'result', key: `blacklisted ${formatId(id)}`, source, verdict: 'blacklisted', detail: blacklisted, buildDate: now, builds: [] });
      continue;
    }
    const outcome = await scheduleOne(ctx, request, id, row);
    report.push(outcome);
    if (outcome.outcome === 'scheduled') history.push({ kind: 'scheduled', source, priority: request.priority, scheduledAt: now, reason: request.reason });
  }
  if (history.length > 0) await ctx.store.record(history);
  return report;
}

async function candidates(store: Store, request: ScheduleRequest): Promise<{ rows: Candidate[]; unknown: string[] }> {
  return store.read(async (db) => {
    if (request.newOnly) return { rows: await untestedSources(db, request.suite, request.arch), unknown: [] };
    const known = new Map((await catalogueWithVerdicts(db, request.suite, request.arch)).map((row) => [row.name, row]));
    const wanted = [...new Set(request.packages ?? [])];
    return { rows: wanted.flatMap((p) => known.get(p) ?? []), unknown: wanted.filter((p) => !known.has(p)) };
  });
}

async function scheduleOne(ctx: ScheduleContext, request: ScheduleRequest, id: EntryId, row: Candidate): Promise<Scheduled> {
  const base = { pkg: id.pkg, version: id.version };
  const inFlight = inFlightPlaces(ctx.spool, id);
  if (inFlight) return { ...base, outcome: 'already-scheduled', detail: `in ${inFlight}` };
  const check: DscCheck = await dscSha256Of(ctx.spool, ctx.mirror, row.dsc_path, ctx.download);
  if (check.outcome !== 'fetched') return { ...base, outcome: check.outcome, detail: check.detail };
  if (check.sha256 !== row.dsc_sha256) {
    return {
      ...base,
      outcome: 'checksum-mismatch',
      detail: `the mirror's ${row.dsc_path} has sha256 ${check.sha256}, the catalogue says ${row.dsc_sha256} (re-import the index)`,
    };
  }
  try {
    await enqueue(ctx.spool, SCHEDULED, {
      id,
      dscSha256: check.sha256,
      extra: [
        ['Dsc-Url', row.dsc_path],
        ['Priority', String(request.priority)],
        ['Reason', request.reason],
      ],
    });
  } catch (error) {
    // Another scheduler got there between our look and our write: that is success for the caller.
    if (error instanceof TargetExistsError) return { ...base, outcome: 'already-scheduled', detail: 'scheduled concurrently' };
    throw error;
  }
  return { ...base, outcome: 'scheduled', detail: formatId(id) };
}

function inFlightPlaces(spool: Spool, id: EntryId): string | undefined {
  const places = locate(spool.layout, id).map((l) => placeName(l.place));
  return places.length > 0 ? places.join(' and ') : undefined;
}
