/**
 * The queue as the spool holds it (the spool is the truth; reproducible.db only keeps the
 * schedule's history): what waits in scheduled/ per architecture, which packages are
 * anywhere in the spool already (scheduled, shipped, building, failed), and the waiting
 * entries with why each was scheduled, in the order jobs will build them.
 */
import { formatId } from '../spool/identity.js';
import { placeName } from '../spool/layout.js';
import { ageOf } from '../spool/inspect.js';
import { readEntryFile } from '../spool/read-entry.js';
import type { Spool } from '../spool/spool.js';
import { type WalkedEntry, walkEntries } from '../spool/walk.js';
import { CorruptEntryError } from '../spool/entry.js';
import { type BuildOrderKey, buildOrderKeyOf, compareBuildOrder } from './build-order.js';
import { CATEGORIES, type Category, isCategory } from './categories.js';

export interface QueueCensus {
  /** Entries waiting in scheduled/ for this architecture, all suites. */
  waiting(arch: string): number;
  /** Where the package already is in suite/arch (any version), or undefined. */
  placesOf(suite: string, arch: string, pkg: string): string[] | undefined;
  /** Entries in failed/, with how long each has been there (since its Requeued time, else since it last moved). */
  readonly failed: ReadonlyArray<WalkedEntry & { readonly ageMs: number }>;
}

const packageKey = (suite: string, arch: string, pkg: string) => `${suite}/${arch}/${pkg}`;

/** One walk of the spool, no entry read. */
export function queueCensus(spool: Spool): QueueCensus {
  const waiting = new Map<string, number>();
  const places = new Map<string, string[]>();
  const failed: Array<WalkedEntry & { ageMs: number }> = [];
  const now = spool.clock.now();
  for (const entry of walkEntries(spool.layout).entries) {
    const { suite, arch, pkg } = entry.id;
    if (entry.place.state === 'scheduled') waiting.set(arch, (waiting.get(arch) ?? 0) + 1);
    if (entry.place.state === 'failed') {
      const ageMs = failedFor(entry, now);
      if (ageMs !== undefined) failed.push({ ...entry, ageMs });
    }
    const key = packageKey(suite, arch, pkg);
    places.set(key, [...(places.get(key) ?? []), placeName(entry.place)]);
  }
  return {
    waiting: (arch) => waiting.get(arch) ?? 0,
    placesOf: (suite, arch, pkg) => places.get(packageKey(suite, arch, pkg)),
    failed,
  };
}

/** Since when an entry has been in failed/: its Requeued time (written by the transition that put it there), else its file's ctime. */
function failedFor(walked: WalkedEntry, now: number): number | undefined {
  let entry;
  try {
    entry = readEntryFile(walked.path, walked.id, walked.place);
  } catch (error) {
    if (error instanceof CorruptEntryError) return undefined; // the reaper's
    throw error;
  }
  if (!entry) return undefined;
  const requeued = Date.parse(entry.fields.get('Requeued') ?? '');
  return Number.isNaN(requeued) ? ageOf(walked.path, now) : now - requeued;
}

export interface QueuedEntry {
  readonly name: string;
  readonly version: string;
  readonly suite: string;
  readonly architecture: string;
  /** The entry's Category; undefined for entries scheduled without one (enqueue, older versions). */
  readonly category?: Category;
  readonly priority: number;
  readonly reason?: string;
  readonly requester?: string;
  readonly scheduled?: string;
  readonly attempt: number;
  readonly order: BuildOrderKey;
}

/** Every waiting entry, in build order (what pick takes first comes first). Corrupt entries are left to the reaper. */
export function queuedEntries(spool: Spool): QueuedEntry[] {
  const listed: QueuedEntry[] = [];
  for (const walked of walkEntries(spool.layout, { places: [{ state: 'scheduled' }] }).entries) {
    let entry;
    try {
      entry = readEntryFile(walked.path, walked.id, walked.place);
    } catch (error) {
      if (error instanceof CorruptEntryError) continue;
      throw error;
    }
    if (!entry) continue; // picked while we looked
    const category = entry.fields.get('Category');
    const order = buildOrderKeyOf(entry);
    listed.push({
      name: walked.id.pkg,
      version: walked.id.version,
      suite: walked.id.suite,
      architecture: walked.id.arch,
      category: isCategory(category) ? category : undefined,
      priority: order.priority,
      reason: entry.fields.get('Reason'),
      requester: entry.fields.get('Requester'),
      scheduled: entry.fields.get('Scheduled'),
      attempt: Number(entry.fields.get('Attempt') ?? '1'),
      order,
    });
  }
  return listed.sort((a, b) => compareBuildOrder(a.order, b.order) || formatId(idOf(a)).localeCompare(formatId(idOf(b))));
}

function idOf(q: QueuedEntry) {
  return { suite: q.suite, arch: q.architecture, pkg: q.name, version: q.version };
}

/** Waiting entries per "suite/arch", then per category in CATEGORIES' order ("none" last, for entries without one). */
export function queueByCategory(queued: readonly QueuedEntry[]): Record<string, Record<string, number>> {
  const counts: Record<string, Record<string, number>> = {};
  for (const q of queued) {
    const perCategory = (counts[`${q.suite}/${q.architecture}`] ??= {});
    const category = q.category ?? 'none';
    perCategory[category] = (perCategory[category] ?? 0) + 1;
  }
  const order = [...CATEGORIES, 'none'];
  for (const [key, perCategory] of Object.entries(counts))
    counts[key] = Object.fromEntries(Object.entries(perCategory).sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)));
  return counts;
}
