/**
 * Transition: (nothing) → events/pending/$ID.json, the moment something worth telling
 * happens. Written whole (temp in tmp/, fsync, link(2) that never replaces, fsync dir):
 * a crash leaves the event spooled or not at all, never half, and a temp the reaper
 * removes. No lock: the id names the event, so two writers of the same event make one
 * file (the second finds it there), and an event already delivered is not spooled again.
 * Spooling is a local write and never runs the hook: a check never waits for delivery.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../durable/atomic.js';
import { TargetExistsError } from '../errors.js';
import type { Spool } from '../spool/spool.js';
import type { EventPlace } from '../spool/layout.js';
import type { NotifyEvent } from './events.js';

export function eventPath(spool: Spool, place: EventPlace, id: string): string {
  return path.join(spool.layout.eventsDir(place), `${id}.json`);
}

/** Spools the event; false when it was spooled (or delivered) before. */
export function spoolEvent(spool: Spool, event: NotifyEvent): boolean {
  if (fs.existsSync(eventPath(spool, 'delivered', event.id))) return false;
  try {
    writeFileAtomic(spool.layout, eventPath(spool, 'pending', event.id), `${JSON.stringify(event)}\n`, { noReplace: true, faultLabel: 'event' });
  } catch (error) {
    if (error instanceof TargetExistsError) return false;
    throw error;
  }
  return true;
}
