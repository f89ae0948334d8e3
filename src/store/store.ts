/**
 * The one way to change reproducible.db. Writers never do load→change→export on their
 * own (two of those lose writes): each record is first made durable as a journal file
 * beside the database; then whoever holds the database lock merges every waiting journal
 * file in one load→apply→export→atomic rename (group commit) and deletes them. A writer
 * that finds the lock busy waits until its journal files are gone (merged by the holder)
 * or the lock is free. A SIGKILL anywhere loses nothing: unmerged journal files wait for
 * the next writer, and re-merging an already saved record changes nothing.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import type { Database } from 'sql.js';
import { type Clock, systemClock } from '../clock.js';
import { SpoolError, errnoCode } from '../errors.js';
import { fsyncDir, tempOwner, tempPath, writeDurable } from '../spool/atomic.js';
import { faultPoint } from '../spool/fault.js';
import { processStart } from '../spool/process-identity.js';
import { loadDatabase, saveDatabase } from './database.js';
import { type StoreRecord, applyRecord } from './records.js';

export interface StoreSettings {
  readonly lockStaleMs: number;
  readonly lockUpdateMs: number;
  /** How long a writer waits for the database lock before giving up with exit 4. */
  readonly waitMs: number;
  readonly pollMs: number;
  /**
   * The lock holder waits this long before listing the journal, so that a batch catches
   * writers that are a few milliseconds behind (measured best at 15 ms: scripts/bench/db-results.ts).
   */
  readonly commitDelayMs?: number;
  readonly clock?: Clock;
}

export const DEFAULT_COMMIT_DELAY_MS = 15;

const JOURNAL_NAME = /^j-[0-9]{15}-[0-9]+-[0-9a-f]{8}\.json$/;

export class Store {
  readonly journalDir: string;

  constructor(
    readonly file: string,
    private readonly settings: StoreSettings,
  ) {
    this.journalDir = `${file}.journal`;
  }

  /** A consistent snapshot for reading; never blocks, never sees a torn file. */
  async read<T>(use: (db: Database) => T): Promise<T> {
    const db = await loadDatabase(this.file);
    try {
      return use(db);
    } finally {
      db.close();
    }
  }

  /** Makes the records durable, then returns once they are in the database file. */
  async record(records: readonly StoreRecord[]): Promise<void> {
    const mine = records.map((record) => this.writeJournal(record));
    faultPoint('store:after-journal');
    const deadline = Date.now() + this.settings.waitMs;
    for (;;) {
      const done = await this.tryExclusive(() => undefined);
      if (done || mine.every((file) => !fs.existsSync(file))) return;
      if (Date.now() > deadline) throw new SpoolError('busy', `reproducible.db stayed locked for ${this.settings.waitMs} ms; the records wait in ${this.journalDir}`);
      await sleep(this.settings.pollMs);
    }
  }

  /** Exclusive access for bulk changes (sources import): waiting journal records are merged too. */
  async write<T>(change: (db: Database) => T): Promise<T> {
    const deadline = Date.now() + this.settings.waitMs;
    for (;;) {
      const done = await this.tryExclusive(change);
      if (done) return done.value;
      if (Date.now() > deadline) throw new SpoolError('busy', `reproducible.db stayed locked for ${this.settings.waitMs} ms`);
      await sleep(this.settings.pollMs);
    }
  }

  private writeJournal(record: StoreRecord): string {
    fs.mkdirSync(this.journalDir, { recursive: true });
    const now = String((this.settings.clock ?? systemClock).now()).padStart(15, '0');
    const file = path.join(this.journalDir, `j-${now}-${process.pid}-${crypto.randomBytes(4).toString('hex')}.json`);
    const temp = tempPath(this.journalDir, 'journal');
    writeDurable(temp, JSON.stringify(record));
    fs.renameSync(temp, file);
    fsyncDir(this.journalDir);
    return file;
  }

  private async tryExclusive<T>(change: (db: Database) => T): Promise<{ value: T } | undefined> {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    let lost: Error | undefined;
    let release: () => void;
    try {
      release = lockfile.lockSync(this.file, {
        lockfilePath: `${this.file}.lock`,
        realpath: false,
        stale: this.settings.lockStaleMs,
        update: this.settings.lockUpdateMs,
        onCompromised: (error) => (lost = error),
      });
    } catch (error) {
      if (errnoCode(error) === 'ELOCKED') return undefined;
      throw error;
    }
    try {
      return { value: await this.merge(change, () => lost) };
    } finally {
      if (!lost) release();
    }
  }

  private async merge<T>(change: (db: Database) => T, lost: () => Error | undefined): Promise<T> {
    this.removeDeadTemps();
    await sleep(this.settings.commitDelayMs ?? DEFAULT_COMMIT_DELAY_MS);
    const db = await loadDatabase(this.file);
    try {
      return this.saveWith(db, change, lost);
    } finally {
      db.close();
    }
  }

  private saveWith<T>(db: Database, change: (db: Database) => T, lost: () => Error | undefined): T {
    const pending = this.pendingJournal();
    db.run('BEGIN');
    for (const name of pending) applyRecord(db, name, JSON.parse(fs.readFileSync(path.join(this.journalDir, name), 'utf8')) as StoreRecord);
    const value = change(db);
    db.run('COMMIT'); // sql.js cannot export inside a transaction
    const compromised = lost();
    if (compromised) throw new SpoolError('busy', `lost the reproducible.db lock (${compromised.message}); nothing saved, the journal is kept`);
    faultPoint('store:before-save');
    saveDatabase(db, this.file);
    faultPoint('store:after-save');
    for (const name of pending) fs.rmSync(path.join(this.journalDir, name), { force: true });
    if (pending.length > 0) fsyncDir(this.journalDir);
    return value;
  }

  private pendingJournal(): string[] {
    return fs.existsSync(this.journalDir) ? fs.readdirSync(this.journalDir).filter((n) => JOURNAL_NAME.test(n)).sort() : [];
  }

  /**
   * Temps of writers that died: journal records never renamed into place (never promised
   * to anyone), and half-written database files beside reproducible.db.
   */
  private removeDeadTemps(): void {
    const dbTemp = `.${path.basename(this.file)}.new`;
    for (const [dir, keep] of [[this.journalDir, () => true], [path.dirname(this.file), (n: string) => n.endsWith(dbTemp)]] as const) {
      if (!fs.existsSync(dir)) continue;
      for (const name of fs.readdirSync(dir)) {
        const owner = tempOwner(name);
        if (owner && keep(name) && processStart(owner.pid) !== owner.pidStart) fs.rmSync(path.join(dir, name), { force: true });
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
