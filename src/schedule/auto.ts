/**
 * `schedule --auto`: keeps an archive checked, as the scheduler this project replaces
 * does. Per architecture (its queue is what waits in scheduled/, all suites), per suite,
 * the categories in turn (categories.ts): untested packages in a seeded random order,
 * new versions, FTBFS, depwait and E404 retries past their ages, then old re-tests past
 * retestAfterDays, each within its per-run limit for the queue as it stands (policy.ts),
 * after entries in failed/ past releaseFailedAfterHours have been released. A package
 * already anywhere in the spool is never scheduled again; a blacklisted one never.
 *
 * The choice is made from one snapshot of reproducible.db and one walk of the spool,
 * then written entry by entry, most urgent first (a run killed half-way has scheduled the
 * first part of its choice, each entry whole, and the next run goes on). One scheduler
 * runs at a time per spool (locks/_scheduler.lock, exit 4), so that two cannot both fill
 * the same room in the queue. The sha256 of each .dsc comes from the imported Sources
 * index, not from a download of every .dsc: the node checks the .dsc against it before
 * building, so a mirror that lost it gives the verdict E404 (retried after 12 hours) and
 * one that serves another gives checksum-mismatch.
 */
import type { SchedulerSettings } from '../config/scheduler.js';
import { forArch } from '../config/scheduler.js';
import { faultPoint } from '../durable/fault.js';
import { SpoolError } from '../errors.js';
import { CorruptEntryError } from '../spool/entry.js';
import { entryId, formatId } from '../spool/identity.js';
import { FAILED } from '../spool/layout.js';
import { readEntryFile } from '../spool/read-entry.js';
import { holdSingletonLock } from '../spool/singleton-lock.js';
import type { Spool } from '../spool/spool.js';
import type { WalkedEntry } from '../spool/walk.js';
import { release } from '../spool/transitions/release.js';
import type { SqlSession } from '../store/session.js';
import type { StoreRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { Blacklist } from './blacklist.js';
import { buildOrderKeyOf, compareBuildOrder, dueMsOf } from './build-order.js';
import { type CandidateRow, agedCandidates, isNewerThanTested, newVersionCandidates, untestedCandidates } from './candidates.js';
import { AUTO_CATEGORIES, type AutoCategory, type Category, RETRIED_VERDICTS } from './categories.js';
import { placeEntry } from './place.js';
import { allowance, isOverfull } from './policy.js';
import { queueCensus } from './queue.js';
import { seededOrder } from './seeded-order.js';
import { blacklistedVerdict } from './blacklisted-verdict.js';

export interface AutoContext {
  readonly spool: Spool;
  readonly store: Store;
  readonly blacklist: Blacklist;
  readonly settings: SchedulerSettings;
}

export interface AutoRequest {
  readonly suites: readonly string[];
  readonly arches: readonly string[];
  readonly seed: number;
  readonly dryRun: boolean;
}

export interface Previous {
  readonly version: string;
  readonly verdict: string;
  readonly buildDate: string;
}

/** One package the run schedules (or, dry, would), as --json prints it. */
export interface ScheduledItem {
  readonly name: string;
  readonly version: string;
  readonly suite: string;
  readonly architecture: string;
  readonly category: Category;
  readonly priority: number;
  readonly reason: string;
  /** When pick considers it due (Scheduled moved by its category's offset). */
  readonly due: string;
  readonly previous: Previous | null;
  /** Released from failed/ rather than chosen from the catalogue. */
  readonly released?: true;
}

export interface ArchQueue {
  readonly architecture: string;
  readonly queueMax: number;
  readonly before: number;
  readonly after: number;
  /** At 3× queueMax or more: nothing was added. */
  readonly overfull: boolean;
}

export interface AutoReport {
  readonly seed: number;
  readonly dryRun: boolean;
  readonly queues: ArchQueue[];
  /** In the order the jobs will build them. */
  readonly scheduled: ScheduledItem[];
  /** Chosen but not scheduled: blacklisted (their verdict is recorded once per version). */
  readonly blacklisted: Array<{ name: string; version: string; suite: string; architecture: string; reason: string }>;
}

/** What the run writes: a new entry from the catalogue's row, or a failed/ entry released. */
interface Chosen {
  readonly item: ScheduledItem;
  readonly from: { readonly dscPath: string; readonly dscSha256: string } | { readonly failed: WalkedEntry };
}

/** Rows read per page of an aged category: enough for a run's limit and the packages it skips. */
const PAGE_ROWS = 1000;
const REQUESTER = 'scheduler';

export async function scheduleAuto(ctx: AutoContext, request: AutoRequest): Promise<AutoReport> {
  const releaseLock = request.dryRun ? undefined : await lockScheduler(ctx.spool);
  try {
    const plan = await choose(ctx, request);
    if (!request.dryRun) await carryOut(ctx, plan);
    return plan.report;
  } finally {
    await releaseLock?.();
  }
}

function lockScheduler(spool: Spool): Promise<() => Promise<void>> {
  return holdSingletonLock(spool, spool.layout.schedulerLockDir, `another scheduler is running on ${spool.layout.root}`, (error) => {
    // Each entry is written whole under its own lock: losing this one (a pause past the stale time) can only make two runs overlap.
    process.stderr.write(`schedule: the scheduler lock was lost (${error.message}); finishing the entries already chosen\n`);
  });
}

interface Plan {
  readonly report: AutoReport;
  readonly chosen: Chosen[];
  readonly blacklistRecords: StoreRecord[];
}

async function choose(ctx: AutoContext, request: AutoRequest): Promise<Plan> {
  const { spool, settings } = ctx;
  const now = spool.clock.now();
  const nowIso = new Date(now).toISOString();
  const census = queueCensus(spool);
  const chosen: Chosen[] = [];
  const taken = new Set<string>();
  const queues: ArchQueue[] = [];
  const blacklisted: AutoReport['blacklisted'] = [];
  const blacklistRecords: StoreRecord[] = [];
  await ctx.store.read(async (db) => {
    for (const arch of request.arches) {
      const queueMax = forArch(settings.queueMax, arch);
      const before = census.waiting(arch);
      let queued = before;
      if (isOverfull(queued, queueMax)) {
        queues.push({ architecture: arch, queueMax, before, after: before, overfull: true });
        continue;
      }
      for (const failed of census.failed
        .filter((f) => f.id.arch === arch && request.suites.includes(f.id.suite) && f.ageMs > settings.releaseFailedAfterMs)
        .sort((a, b) => b.ageMs - a.ageMs)) {
        if (queued >= queueMax) break;
        const item = releasedItem(failed, nowIso);
        if (!item) continue; // left failed/ while we looked
        chosen.push(item);
        taken.add(formatId({ ...failed.id, version: '' }));
        queued++;
      }
      for (const suite of request.suites) {
        for (const category of AUTO_CATEGORIES) {
          let room = allowance(category, settings.limits[category], queued, queueMax);
          if (room === 0) continue;
          for await (const row of candidatesOf(db, category, suite, arch, { settings, now, seed: request.seed })) {
            if (room === 0) break;
            const key = formatId({ suite, arch, pkg: row.name, version: '' });
            if (taken.has(key) || census.placesOf(suite, arch, row.name)) continue;
            taken.add(key);
            const reason = ctx.blacklist.reasonFor(row.name, suite, arch);
            if (reason !== undefined) {
              if (category !== 'untested' && category !== 'new') continue; // its verdict was recorded when its version was new
              blacklisted.push({ name: row.name, version: row.version, suite, architecture: arch, reason });
              const verdict = blacklistedVerdict(row, suite, arch, reason, nowIso);
              if (verdict) blacklistRecords.push(verdict);
              continue;
            }
            chosen.push(chosenItem(row, suite, arch, category, request.seed, nowIso));
            room--;
            queued++;
          }
        }
      }
      queues.push({ architecture: arch, queueMax, before, after: queued, overfull: false });
    }
  });
  chosen.sort((a, b) => compareBuildOrder(orderOf(a.item), orderOf(b.item)) || a.item.name.localeCompare(b.item.name));
  const scheduled = chosen.map((c) => c.item);
  return { report: { seed: request.seed, dryRun: request.dryRun, queues, scheduled, blacklisted }, chosen, blacklistRecords };
}

interface CandidateContext {
  readonly settings: SchedulerSettings;
  readonly now: number;
  readonly seed: number;
}

/** The category's candidates in the order the category takes them. */
async function* candidatesOf(db: SqlSession, category: AutoCategory, suite: string, arch: string, c: CandidateContext): AsyncGenerator<CandidateRow> {
  if (category === 'untested') {
    yield* seededOrder(await untestedCandidates(db, suite, arch), (row) => row.name, c.seed);
    return;
  }
  if (category === 'new') {
    yield* await newVersionCandidates(db, suite, arch);
    return;
  }
  const retried = category === 'old' ? undefined : RETRIED_VERDICTS[category];
  const ageMs = retried === undefined ? forArch(c.settings.retestAfterMs, arch) : c.settings.retryAfterMs[category as keyof typeof RETRIED_VERDICTS];
  const builtBefore = new Date(c.now - ageMs).toISOString();
  for await (const row of agedCandidates(db, suite, arch, { verdict: retried, builtBefore }, PAGE_ROWS)) {
    if (!isNewerThanTested(row)) yield row; // a newer version is the new category's
  }
}

function previousOf(row: CandidateRow): Previous | null {
  return row.tested_version === null || row.tested_verdict === null || row.build_date === null
    ? null
    : { version: row.tested_version, verdict: row.tested_verdict, buildDate: row.build_date };
}

function reasonOf(category: AutoCategory, row: CandidateRow, seed: number): string {
  const since = row.build_date ? row.build_date.slice(0, 10) : '';
  switch (category) {
    case 'untested':
      return `never tested (random order, seed ${seed})`;
    case 'new':
      return `new version ${row.version} (tested: ${row.tested_version ?? 'none'})`;
    case 'old':
      return `re-test: last tested ${since} (${row.tested_verdict ?? 'no verdict'})`;
    default:
      return `retry: ${category} since ${since}`;
  }
}

function chosenItem(row: CandidateRow, suite: string, arch: string, category: AutoCategory, seed: number, now: string): Chosen {
  return {
    item: {
      name: row.name,
      version: row.version,
      suite,
      architecture: arch,
      category,
      priority: 0,
      reason: reasonOf(category, row, seed),
      due: new Date(dueMsOf(now, category)).toISOString(),
      previous: previousOf(row),
    },
    from: { dscPath: row.dsc_path, dscSha256: row.dsc_sha256 },
  };
}

/** A failed/ entry released as it was scheduled: its Category, Priority and Reason (a corrupt one is the reaper's). */
function releasedItem(failed: WalkedEntry, now: string): Chosen | undefined {
  let entry;
  try {
    entry = readEntryFile(failed.path, failed.id, FAILED);
  } catch (error) {
    if (error instanceof CorruptEntryError) return undefined;
    throw error;
  }
  if (!entry) return undefined;
  const order = buildOrderKeyOf(entry);
  const category = order.category ?? 'old';
  return {
    item: {
      name: failed.id.pkg,
      version: failed.id.version,
      suite: failed.id.suite,
      architecture: failed.id.arch,
      category,
      priority: order.priority,
      reason: `released from failed/ (${entry.fields.get('Last-Failure') ?? 'no failure recorded'})`,
      due: new Date(dueMsOf(now, category)).toISOString(),
      previous: null,
      released: true,
    },
    from: { failed },
  };
}

function orderOf(item: ScheduledItem) {
  return { priority: item.priority, category: item.category, dueMs: Date.parse(item.due) };
}

/** Writes the plan, most urgent first, then its history in one record. */
async function carryOut(ctx: AutoContext, plan: Plan): Promise<void> {
  const history: StoreRecord[] = [...plan.blacklistRecords];
  const scheduledAt = new Date(ctx.spool.clock.now()).toISOString();
  for (const { item, from } of plan.chosen) {
    const id = entryId(item.suite, item.architecture, item.name, item.version);
    if ('failed' in from) {
      try {
        await release(ctx.spool, id);
      } catch (error) {
        if (error instanceof SpoolError && error.kind === 'nothingToDo') continue; // released or forgotten meanwhile
        throw error;
      }
    } else {
      const placed = await placeEntry(ctx.spool, {
        id,
        dscSha256: from.dscSha256,
        dscPath: from.dscPath,
        category: item.category,
        priority: item.priority,
        reason: item.reason,
        requester: REQUESTER,
      });
      if (placed === 'exists') continue;
    }
    faultPoint('schedule:after-entry');
    const source = { name: item.name, version: item.version, suite: item.suite, architecture: item.architecture };
    history.push({ kind: 'scheduled', source, priority: item.priority, scheduledAt, reason: item.reason, category: item.category, requester: REQUESTER });
  }
  if (history.length > 0) await ctx.store.record(history);
}
