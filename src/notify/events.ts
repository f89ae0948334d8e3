/**
 * Notification events: what happened (a regression, a node going offline or back, a
 * manual request finished, a package's daily digest), as one JSON file each. An event's
 * id is derived from what it is about (the check's record key, the node and the time it
 * went offline, the package and the day), never from when it was spooled: spooling the
 * same event twice (a check finished again after a crash) makes one file, and the hook,
 * which may be given an event twice (at-least-once), deduplicates by the id.
 */
import crypto from 'node:crypto';
import { z } from 'zod';

export const EVENT_KINDS = ['regression', 'node-offline', 'node-online', 'request-finished', 'digest'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface NotifyEvent {
  readonly id: string;
  readonly kind: EventKind;
  /** When it happened. */
  readonly at: string;
  /** One line for people (an IRC message, a mail subject). */
  readonly summary: string;
  /** Who opted in to hear of it (the package's subscribers); empty: the hook's own audience (a channel). */
  readonly recipients: readonly string[];
  readonly data: Readonly<Record<string, unknown>>;
}

export const EventSchema = z
  .object({
    id: z.string().regex(/^[a-z-]+-[0-9a-f]{32}$/),
    kind: z.enum(EVENT_KINDS),
    at: z.string().refine((v) => !Number.isNaN(Date.parse(v)), { message: 'expected an ISO 8601 time' }),
    summary: z.string(),
    recipients: z.array(z.string()),
    data: z.record(z.string(), z.unknown()),
  })
  .strict();

/** The id of the event of this kind about key: the same event always gets the same id. */
export function eventId(kind: EventKind, key: string): string {
  return `${kind}-${crypto.createHash('sha256').update(`${kind}\n${key}`).digest('hex').slice(0, 32)}`;
}

export function makeEvent(kind: EventKind, key: string, fields: Omit<NotifyEvent, 'id' | 'kind'>): NotifyEvent {
  return { id: eventId(kind, key), kind, ...fields };
}
