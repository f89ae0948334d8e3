/**
 * The events a verdict makes, spooled when it is committed (its verdict file written) and
 * before it is recorded, by whoever records it (the check, or the next check finishing a
 * dead one): the ids come from the record's key, so finishing twice spools once.
 *   - a regression, as the original reports them on IRC: reproducible → unreproducible,
 *     FTBFS or timeout, and unreproducible → FTBFS, in the configured suites;
 *   - a manual request finished (its requester is named).
 */
import type { Spool } from '../spool/spool.js';
import type { Store } from '../store/store.js';
import type { StoreRecord, Verdict } from '../store/records.js';
import { latestOfPackages } from '../store/overview.js';
import { type NotifyEvent, makeEvent } from './events.js';
import { spoolEvent } from './spool-event.js';
import type { Subscriptions } from './subscriptions.js';

const REGRESSIONS: Readonly<Partial<Record<Verdict, readonly Verdict[]>>> = {
  reproducible: ['unreproducible', 'nondeterministic', 'FTBFS', 'timeout'],
  unreproducible: ['FTBFS'],
};

export function isRegression(previous: string | undefined, now: Verdict): boolean {
  return previous !== undefined && (REGRESSIONS[previous as Verdict] ?? []).includes(now);
}

export interface VerdictEventSettings {
  readonly regressionSuites: readonly string[];
  readonly subscriptions: Subscriptions;
}

type ResultRecord = Extract<StoreRecord, { kind: 'result' }>;

/** What the verdict of record tells, given the package's previous latest verdict there. */
export function verdictEvents(record: ResultRecord, previous: { version: string; verdict: string } | undefined, settings: VerdictEventSettings): NotifyEvent[] {
  const { name, version, suite, architecture } = record.source;
  const key = record.key ?? `${name}/${version}/${suite}/${architecture}/${record.buildDate}`;
  const where = `${name} ${version} in ${suite}/${architecture}`;
  const recipients = settings.subscriptions.get(name) ?? [];
  const data = { package: name, version, suite, architecture, verdict: record.verdict, detail: record.detail, buildDate: record.buildDate };
  const events: NotifyEvent[] = [];
  if (settings.regressionSuites.includes(suite) && isRegression(previous?.verdict, record.verdict)) {
    events.push(
      makeEvent('regression', key, {
        at: record.buildDate,
        summary: `${where}: regressed from ${previous!.verdict} (${previous!.version}) to ${record.verdict}`,
        recipients,
        data: { ...data, previousVerdict: previous!.verdict, previousVersion: previous!.version },
      }),
    );
  }
  const { category, requester, reason } = record.scheduling ?? {};
  if (category === 'manual' && requester) {
    events.push(
      makeEvent('request-finished', key, {
        at: record.buildDate,
        summary: `${where}: ${record.verdict} (requested by ${requester})`,
        recipients: [],
        data: { ...data, requester, reason },
      }),
    );
  }
  return events;
}

/** Spools the events of a verdict about to be recorded; returns those spooled now (not before). */
export async function spoolVerdictEvents(spool: Spool, store: Store, record: StoreRecord, settings: VerdictEventSettings): Promise<NotifyEvent[]> {
  if (record.kind !== 'result') return [];
  const { name, suite, architecture } = record.source;
  // The previous verdict is read only where it can make a regression: a read of the embedded file loads it whole.
  const previous = settings.regressionSuites.includes(suite)
    ? (await store.read((db) => latestOfPackages(db, [name]))).get(`${suite}/${architecture}/${name}`)
    : undefined;
  return verdictEvents(record, previous, settings).filter((event) => spoolEvent(spool, event));
}
