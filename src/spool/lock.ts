/**
 * Per-entry locks: proper-lockfile's mkdir lock at locks/$SUITE/$ARCH/${PKG}_${VERSION}.lock,
 * refreshed while held, plus an owner sidecar (.owner, deb822) saying who holds it and
 * why, since proper-lockfile records no owner. The lock tells the reaper who is alive;
 * exclusion between racers comes from link(2)/rename(2), never from the lock alone.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { Deb822Error, Stanza, parseStanza } from '../debian/deb822.js';
import { SpoolError, errnoCode } from '../errors.js';
import { ensureDirInside, writeFileAtomic } from '../durable/atomic.js';
import { type EntryId, formatId } from './identity.js';
import { type Liveness, type ProcessIdentity, currentProcess, liveness } from '../durable/process-identity.js';
import type { Spool } from './spool.js';

/** Why a lock is held; the reaper reads a dead "job" holder as "put it back in scheduled/". */
export const LOCK_PURPOSES = ['enqueue', 'job', 'build', 'complete', 'requeue', 'release', 'forget', 'reap'] as const;
export type LockPurpose = (typeof LOCK_PURPOSES)[number];

export interface LockOwner extends ProcessIdentity {
  readonly token: string;
  readonly purpose: LockPurpose;
  readonly since: string;
  readonly job?: string;
  /** Process group of the build started under this lock, killed by the reaper if left over. */
  readonly pgid?: number;
  readonly pgidStart?: string;
  /** Scratch directory of the holder, removed by the reaper after a crash. */
  readonly workdir?: string;
  /** Where the build's throw-away chroot copy is unpacked when that is outside the root (a tmpfs), removed by the reaper after a crash. */
  readonly scratch?: string;
}

export class EntryLock {
  private compromisedBy: Error | undefined;
  private released = false;

  constructor(
    private readonly spool: Spool,
    readonly id: EntryId,
    private owner: LockOwner,
    private readonly releaseLock: () => void,
    /** Stops refreshing the lock and drops it from proper-lockfile's exit hook, without removing what is at its path. */
    private readonly forgetLock: () => void,
  ) {}

  get token(): string {
    return this.owner.token;
  }

  markCompromised(error: Error): void {
    this.compromisedBy = error;
  }

  /** Call before each commit step: throws 'busy' if the lock was lost or taken over. */
  assertHeld(): void {
    const current = readOwner(this.spool, this.id);
    if (!this.compromisedBy && current?.token !== this.owner.token) {
      this.takenOver(current ? `taken over by pid ${current.pid} on ${current.host} (${current.purpose})` : 'its owner record is gone');
    }
    if (this.compromisedBy) {
      throw new SpoolError('busy', `lost the lock on ${formatId(this.id)}: ${this.compromisedBy.message}; leaving it to its new holder`);
    }
  }

  update(changes: Partial<Pick<LockOwner, 'pgid' | 'pgidStart' | 'workdir' | 'scratch' | 'job'>>): void {
    this.assertHeld();
    this.owner = { ...this.owner, ...changes };
    writeOwner(this.spool, this.id, this.owner);
  }

  /**
   * Owner sidecar first, then the lock: a crash in between leaves a lock the reaper judges
   * by age. Only while both are still ours: a holder paused past the stale time may find
   * its lock taken over, and removing the new holder's owner and lock would leave that
   * holder's entry with neither (the reaper hands such an outbox entry back only after
   * lockStaleMs; see reaper/entries.ts).
   */
  async release(): Promise<void> {
    if (this.released || this.compromisedBy) return;
    this.released = true;
    if (safeReadOwner(this.spool, this.id)?.token !== this.owner.token) {
      this.takenOver('taken over before its release');
      return;
    }
    fs.rmSync(this.spool.layout.ownerPath(this.id), { force: true });
    this.releaseLock();
  }

  /**
   * Taken over while this process was paused past the stale time: the lock and the owner
   * at these paths are the new holder's now. Neither release() nor proper-lockfile's exit
   * hook (which removes the lock directories of locks still held) may remove them.
   */
  private takenOver(how: string): void {
    this.compromisedBy = new Error(how);
    this.forgetLock();
  }
}

/**
 * The file operations proper-lockfile's sync API uses. It copies the `fs` it is given on
 * every call: a copy of its default, graceful-fs (over a hundred methods), was a tenth
 * of a claim's time.
 */
const LOCK_FS = {
  mkdirSync: fs.mkdirSync,
  realpathSync: fs.realpathSync,
  statSync: fs.statSync,
  rmdirSync: fs.rmdirSync,
  utimesSync: fs.utimesSync,
};

/** Takes the entry's lock, or returns undefined when a live holder has it. */
export async function tryLockEntry(spool: Spool, id: EntryId, purpose: LockPurpose, extra: { job?: string } = {}): Promise<EntryLock | undefined> {
  const lockDir = spool.layout.lockDir(id);
  ensureDirInside(spool.layout.root, path.dirname(lockDir));
  const held: { lock?: EntryLock } = {}; // for the compromise callback, which may fire once the lock exists
  const file = lockDir.slice(0, -'.lock'.length);
  let release: () => void;
  try {
    // Synchronous: we never wait for a lock (retries: 0), and the async API costs a
    // thread-pool round trip per step, which was most of a claim's time.
    release = lockfile.lockSync(file, {
      fs: LOCK_FS,
      lockfilePath: lockDir,
      realpath: false,
      stale: spool.thresholds.lockStaleMs,
      update: spool.thresholds.lockUpdateMs,
      onCompromised: (error) => held.lock?.markCompromised(error),
    });
  } catch (error) {
    if (errnoCode(error) === 'ELOCKED') return undefined;
    throw error;
  }
  const owner: LockOwner = {
    ...currentProcess(),
    token: crypto.randomBytes(12).toString('hex'),
    purpose,
    since: new Date(spool.clock.now()).toISOString(),
    ...extra,
  };
  const entryLock = (held.lock = new EntryLock(spool, id, owner, release, () => forgetLock(file, lockDir)));
  createOwner(spool, id, owner);
  return entryLock;
}

/**
 * proper-lockfile has no call to drop a lock without removing its directory: unlocking it
 * with a lock path that never exists does exactly that (it stops the refresh, forgets the
 * lock, and finds nothing to remove). Already dropped (compromised) is fine.
 */
function forgetLock(file: string, lockDir: string): void {
  try {
    lockfile.unlockSync(file, { realpath: false, lockfilePath: `${lockDir}.never-created` });
  } catch (error) {
    if (errnoCode(error) !== 'ENOTACQUIRED') throw error;
  }
}

/** Like tryLockEntry, but a held lock is an error the CLI reports as exit 4. */
export async function lockEntry(spool: Spool, id: EntryId, purpose: LockPurpose): Promise<EntryLock> {
  const lock = await tryLockEntry(spool, id, purpose);
  if (!lock) {
    const owner = readOwner(spool, id);
    throw new SpoolError('busy', `${formatId(id)} is locked${owner ? ` by pid ${owner.pid} on ${owner.host} (${owner.purpose} since ${owner.since})` : ''}`);
  }
  return lock;
}

/**
 * The first owner record of a lock just taken: one exclusive create (O_EXCL never follows
 * a symlink), no temp and rename, since a claim pays for every metadata operation. A
 * reader that comes between the create and the write finds an empty record, which it
 * reads as "no owner" and judges the lock by its age, as it does between mkdir and this.
 * A record left by a holder that ended without its lock is replaced atomically.
 */
function createOwner(spool: Spool, id: EntryId, owner: LockOwner): void {
  try {
    fs.writeFileSync(spool.layout.ownerPath(id), ownerStanza(owner).toString(), { flag: 'wx' });
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw error;
    writeOwner(spool, id, owner);
  }
}

function writeOwner(spool: Spool, id: EntryId, owner: LockOwner): void {
  // Advisory: after a power cut the boot id changes and every owner is judged dead anyway.
  // The temp is made beside the locks, which may be a tmpfs mount: a rename from tmp/ would fail (EXDEV).
  const scope = { root: spool.layout.root, tmpDir: spool.layout.locksTmpDir };
  writeFileAtomic(scope, spool.layout.ownerPath(id), ownerStanza(owner).toString(), {
    noReplace: false,
    durable: false,
  });
}

function ownerStanza(owner: LockOwner): Stanza {
  return Stanza.of([
    ['Token', owner.token],
    ['Purpose', owner.purpose],
    ['Host', owner.host],
    ['Boot-Id', owner.bootId],
    ['Pid', owner.pid],
    ['Pid-Start', owner.pidStart],
    ['Since', owner.since],
    ['Job', owner.job],
    ['Pgid', owner.pgid],
    ['Pgid-Start', owner.pgidStart],
    ['Workdir', owner.workdir],
    ['Scratch', owner.scratch],
  ]);
}

/** The recorded owner, or undefined when there is none or it cannot be read. */
export function readOwner(spool: Spool, id: EntryId): LockOwner | undefined {
  let text: string;
  try {
    text = fs.readFileSync(spool.layout.ownerPath(id), 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  return parseOwner(text);
}

function parseOwner(text: string): LockOwner | undefined {
  const fields = parseStanza(text);
  const purpose = fields.get('Purpose');
  const pid = Number(fields.get('Pid'));
  const token = fields.get('Token');
  if (!token || !Number.isInteger(pid) || !(LOCK_PURPOSES as readonly string[]).includes(purpose ?? '')) {
    return undefined;
  }
  const pgid = fields.get('Pgid');
  return {
    token,
    purpose: purpose as LockPurpose,
    host: fields.get('Host') ?? '',
    bootId: fields.get('Boot-Id') ?? '',
    pid,
    pidStart: fields.get('Pid-Start') ?? '',
    since: fields.get('Since') ?? '',
    job: fields.get('Job'),
    pgid: pgid === undefined ? undefined : Number(pgid),
    pgidStart: fields.get('Pgid-Start'),
    workdir: fields.get('Workdir'),
    scratch: fields.get('Scratch'),
  };
}

export type LockHealth = 'free' | 'held' | 'stale';

export interface LockJudgement {
  readonly health: LockHealth;
  readonly owner?: LockOwner;
  readonly ownerLiveness?: Liveness;
  readonly reason: string;
}

/** How the reaper and `status` see an entry's lock, without touching it. */
export function judgeLock(spool: Spool, id: EntryId): LockJudgement {
  let mtimeMs: number;
  try {
    mtimeMs = fs.statSync(spool.layout.lockDir(id)).mtimeMs;
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
    // An owner without its lock: proper-lockfile's exit hook removed the lock of a holder
    // that ended on a signal or an error without releasing (its owner record stays). Once
    // that holder is gone, what it held is abandoned, not free.
    const orphan = safeReadOwner(spool, id);
    if (orphan && liveness(orphan) === 'dead') {
      return {
        health: 'stale',
        owner: orphan,
        ownerLiveness: 'dead',
        reason: `holder pid ${orphan.pid} on ${orphan.host} ended without releasing (its lock went with it)`,
      };
    }
    return { health: 'free', reason: 'not locked' };
  }
  const owner = safeReadOwner(spool, id);
  const ownerLiveness = owner ? liveness(owner) : undefined;
  const idleMs = spool.clock.now() - mtimeMs;
  if (ownerLiveness === 'dead') {
    return { health: 'stale', owner, ownerLiveness, reason: `holder pid ${owner!.pid} on ${owner!.host} is gone` };
  }
  if (idleMs > spool.thresholds.lockStaleMs) {
    return { health: 'stale', owner, ownerLiveness, reason: `lock not refreshed for ${Math.round(idleMs / 1000)} s` };
  }
  if (isFutureDated(spool, mtimeMs)) {
    return { health: 'stale', owner, ownerLiveness, reason: `lock dated ${Math.round(-idleMs / 1000)} s in the future (was the clock stepped back?)` };
  }
  return { health: 'held', owner, ownerLiveness, reason: owner ? `held by pid ${owner.pid} (${owner.purpose})` : 'held' };
}

function safeReadOwner(spool: Spool, id: EntryId): LockOwner | undefined {
  try {
    return readOwner(spool, id);
  } catch (error) {
    if (error instanceof Deb822Error) return undefined; // an unreadable owner is judged by the lock's age alone
    throw error;
  }
}

/**
 * A live holder refreshes its lock to "now" every lockUpdateMs: a lock dated further ahead
 * than the stale window is nobody's (the clock was stepped back), and judged by its
 * mtime alone it would look fresh for ever.
 */
export function isFutureDated(spool: Spool, mtimeMs: number): boolean {
  return mtimeMs - spool.clock.now() > spool.thresholds.lockStaleMs;
}

/** Removes a lock judged stale so that the caller can take it; owner first, as on release. */
export function breakStaleLock(spool: Spool, id: EntryId): void {
  fs.rmSync(spool.layout.ownerPath(id), { force: true });
  fs.rmSync(spool.layout.lockDir(id), { recursive: true, force: true });
}
