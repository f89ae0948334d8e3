/**
 * Where everything lives under a spool root (spool-layout.md is the prose version).
 * Only validated names are joined here, so every path stays inside the root.
 */
import path from 'node:path';
import type { EntryId } from './identity.js';
import { validateName } from './names.js';

export const FIXED_STATES = ['scheduled', 'pending', 'failed'] as const;
export type FixedState = (typeof FIXED_STATES)[number];

/** A place an entry file can be: a fixed state, or a node's directory (outbox on main, inbox on a node). */
export type Place = { readonly state: FixedState } | { readonly state: 'node'; readonly node: string };

export const SCHEDULED: Place = { state: 'scheduled' };
export const PENDING: Place = { state: 'pending' };
export const FAILED: Place = { state: 'failed' };

export function nodePlace(node: string): Place {
  return { state: 'node', node: validateName('node', node) };
}

export function placeName(place: Place): string {
  return place.state === 'node' ? place.node : place.state;
}

export function placeFromName(name: string): Place {
  return (FIXED_STATES as readonly string[]).includes(name) ? { state: name as FixedState } : nodePlace(name);
}

export const BUILDS_DIR = 'reproducible-builds';
export const RESULTS_DIR = 'reproducible-results';
export const NODE_INFORMATION = 'node-information';
/** Name of the file in a results directory whose presence says the directory is complete. */
export const RESULT_MARKER = 'result';
/** A build's log, gzipped, in its results directory. */
export const BUILD_LOG = 'build.log.gz';

/** Where a notification event is: waiting, delivered, its delivery attempts so far, or set aside unreadable. */
export const EVENT_PLACES = ['pending', 'delivered', 'attempts', 'unreadable'] as const;
export type EventPlace = (typeof EVENT_PLACES)[number];

export class Layout {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  get buildsDir(): string {
    return path.join(this.root, BUILDS_DIR);
  }
  get resultsDir(): string {
    return path.join(this.root, RESULTS_DIR);
  }
  get tmpDir(): string {
    return path.join(this.root, 'tmp');
  }
  /** The local check's node spools, one directory per node (nodes/local1, nodes/local2). */
  get localNodesDir(): string {
    return path.join(this.root, 'nodes');
  }
  /** This spool's signing key and, on main, the node keys it pins (src/trust/keys.ts). */
  get keysDir(): string {
    return path.join(this.root, 'keys');
  }
  /** Held while `keys rotate` replaces this spool's signing key. */
  get keysLockDir(): string {
    return path.join(this.locksDir, '_keys.lock');
  }
  /** May be a tmpfs mount of its own (README: locks on a tmpfs): nothing written here may be renamed in from outside it. */
  get locksDir(): string {
    return path.join(this.root, 'locks');
  }
  /** Temps of owner records, on the locks' own filesystem ('_' keeps it apart from suite names). */
  get locksTmpDir(): string {
    return path.join(this.locksDir, '_tmp');
  }
  get quarantineDir(): string {
    return path.join(this.root, 'quarantine');
  }
  /** Notification events: events/pending/$ID.json until delivered, then events/delivered/ (src/notify/). */
  eventsDir(state: EventPlace): string {
    return path.join(this.root, 'events', state);
  }

  placeDir(place: Place): string {
    return path.join(this.buildsDir, placeName(place));
  }

  entryPath(place: Place, id: EntryId): string {
    return path.join(this.placeDir(place), id.suite, id.arch, id.pkg, id.version);
  }

  resultsPath(node: string, id: EntryId): string {
    return path.join(this.resultsDir, validateName('node', node), id.suite, id.arch, id.pkg, id.version);
  }

  nodeInfoPath(node: string): string {
    return path.join(this.resultsDir, NODE_INFORMATION, validateName('node', node));
  }

  lockDir(id: EntryId): string {
    return path.join(this.locksDir, id.suite, id.arch, `${id.pkg}_${id.version}.lock`);
  }

  ownerPath(id: EntryId): string {
    return path.join(this.locksDir, id.suite, id.arch, `${id.pkg}_${id.version}.owner`);
  }

  /** The lock that keeps two reapers from running at once ('_' keeps it apart from suite names). */
  get reaperLockDir(): string {
    return path.join(this.locksDir, '_reaper.lock');
  }

  /** Held while `schedule --auto` chooses and writes: two schedulers would both fill the same room in the queue. */
  get schedulerLockDir(): string {
    return path.join(this.locksDir, '_scheduler.lock');
  }

  /** Held while `notify deliver` runs the hook: one deliverer at a time (a second would only deliver twice). */
  get notifyLockDir(): string {
    return path.join(this.locksDir, '_notify.lock');
  }

  /** Held while a `watch` agent serves NODE: tells main's jobs (await-result) that someone will build what they ship. */
  agentLockDir(node: string): string {
    return path.join(this.locksDir, `_agent-${validateName('node', node)}.lock`);
  }

  relative(target: string): string {
    return path.relative(this.root, target);
  }
}
