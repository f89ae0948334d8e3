/**
 * The embedded store: reproducible.db as one SQLite file through sql.js. Writers never do load→change→export on their
 * own (two of those lose writes): each record is first made durable as a journal file
 * beside the database; then whoever holds the database lock merges every waiting journal
 * file in one load→apply→export→commit (group commit) and deletes them. A writer
 * that finds the lock busy waits until its journal files are gone (merged by the holder)
 * or the lock is free. A SIGKILL anywhere loses nothing: unmerged journal files wait for
 * the next writer, and re-merging an already saved record changes nothing.
 *
 * A holder that stalls (VM pause, SIGSTOP, a slow fsync) past the stale time loses the
 * lock to the next writer; its late commit must not put back an older database over
 * records already acknowledged. A commit is therefore conditional by construction
 * (generations.ts): it creates the generation after the one it loaded with link(2), and
 * fails if another writer created it first, however long the pause. The loser saves
 * nothing and starts over from the newest generation (its records stay in the journal).
 * The lock only keeps writers from doing the same work twice.
 *
 * A journal file that is not a record (torn by a full disk, edited by hand) is moved to
 * the journal's quarantine/ with the reason beside it; the others are merged. The writer
 * whose own record it was is told (exit 5); everyone else proceeds.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import type { Database } from 'sql.js';
import { type SqlSession, sqlJsSession } from './session.js';
import type { QuarantinedRecord, Store, StoreSettings } from './store.js';
import { systemClock } from '../clock.js';
import { SpoolError, errnoCode } from '../errors.js';
import { sleep } from '../retry.js';
import { fsyncDir, isDeadTemp, replaceFileDurably, tempPath, writeDurable } from '../durable/atomic.js';
import { faultPoint } from '../durable/fault.js';
import { openDatabase } from './database.js';
import { type Generation, Generations } from './generations.js';
import { applyRecord, parseRecord, type StoreRecord, validateRecord } from './records.js';

export const DEFAULT_COMMIT_DELAY_MS = 15;

const JOURNAL_NAME = /^j-[0-9]{15}-[0-9]+-[0-9a-f]{8}\.json$/;

/** The holder could not prove it still owns the database: nothing was saved, try again. */
class FencedOutError extends SpoolError {
  constructor(reason: string) {
    super('busy', `did not replace reproducible.db: ${reason}; the journal is kept`);
    this.name = 'FencedOutError';
  }
}

/** A quarantined journal record: its file under quarantine/ and why it was put there. */

export class FileStore implements Store {
  readonly journalDir: string;
  readonly quarantineDir: string;
  private readonly lockPath: string;
  private readonly ownerPath: string;

  private readonly generations: Generations;

  constructor(
    readonly file: string,
    private readonly settings: StoreSettings,
  ) {
    this.generations = new Generations(file);
    this.journalDir = `${file}.journal`;
    this.quarantineDir = path.join(this.journalDir, 'quarantine');
    this.lockPath = `${file}.lock`;
    this.ownerPath = `${file}.lock-owner`;
  }

  /** A consistent snapshot for reading (the newest generation); never blocks, never sees a torn file. */
  async read<T>(use: (db: SqlSession) => Promise<T>): Promise<T> {
    const db = await openDatabase(this.generations.readNewest().data, this.file);
    try {
      return await use(sqlJsSession(db));
    } finally {
      db.close();
    }
  }

  /** Makes the records durable, then returns once they are in the database file. */
  async record(records: readonly StoreRecord[]): Promise<void> {
    for (const record of records) validateRecord(record); // all or none: no journal file for a batch with a bad record
    const mine = records.map((record) => this.writeJournal(record));
    faultPoint('store:after-journal');
    const deadline = Date.now() + this.settings.waitMs;
    for (;;) {
      const done = await this.tryExclusive(() => Promise.resolve(undefined));
      if (done || mine.every((file) => !fs.existsSync(file))) {
        this.assertNotQuarantined(mine);
        return;
      }
      if (Date.now() > deadline)
        throw new SpoolError('busy', `reproducible.db stayed locked for ${this.settings.waitMs} ms; the records wait in ${this.journalDir}`);
      await sleep(this.settings.pollMs);
    }
  }

  /** Exclusive access for bulk changes (sources import): waiting journal records are merged too. */
  async write<T>(change: (db: SqlSession) => Promise<T>, base?: Buffer): Promise<T> {
    const deadline = Date.now() + this.settings.waitMs;
    for (;;) {
      const done = await this.tryExclusive(change, base);
      if (done) return done.value;
      if (Date.now() > deadline) throw new SpoolError('busy', `reproducible.db stayed locked for ${this.settings.waitMs} ms`);
      await sleep(this.settings.pollMs);
    }
  }

  async backup(target: string): Promise<void> {
    await this.write(() => Promise.resolve()); // what waits in the journal is in the snapshot
    const { data } = this.generations.readNewest();
    replaceFileDurably(target, data ?? (await this.emptyDatabase())); // nothing recorded yet: an empty database, schema included
  }

  private async emptyDatabase(): Promise<Uint8Array> {
    const db = await openDatabase(undefined, this.file);
    try {
      return db.export();
    } finally {
      db.close();
    }
  }

  async restore(source: string): Promise<void> {
    const data = readBackup(source);
    const check = await openDatabase(data, source); // a file SQLite cannot read is refused here, before anything changes
    check.close();
    await this.write(() => Promise.resolve(), data);
  }

  async close(): Promise<void> {} // nothing stays open between calls

  describe(): string {
    return this.file;
  }

  exists(): boolean {
    return fs.existsSync(this.file);
  }

  sizeBytes(): number | undefined {
    return fs.statSync(this.file, { throwIfNoEntry: false })?.size ?? 0;
  }

  /** Journal records that could not be read, for status. */
  quarantined(): QuarantinedRecord[] {
    if (!fs.existsSync(this.quarantineDir)) return [];
    return fs
      .readdirSync(this.quarantineDir)
      .filter((name) => JOURNAL_NAME.test(name))
      .sort()
      .map((name) => {
        const file = path.join(this.quarantineDir, name);
        return { file, reason: readIfPresent(`${file}.reason`)?.trim() ?? 'no reason recorded' };
      });
  }

  private assertNotQuarantined(mine: readonly string[]): void {
    const lost = mine.map((file) => path.join(this.quarantineDir, path.basename(file))).filter((file) => fs.existsSync(file));
    if (lost.length > 0) {
      const reason = readIfPresent(`${lost[0]}.reason`)?.trim() ?? 'unreadable';
      throw new SpoolError(
        'integrity',
        `this process's journal record was unreadable and was quarantined as ${lost.join(', ')} (${reason}); nothing of it is in reproducible.db`,
      );
    }
  }

  private writeJournal(record: StoreRecord): string {
    fs.mkdirSync(this.journalDir, { recursive: true });
    const now = String((this.settings.clock ?? systemClock).now()).padStart(15, '0');
    const file = path.join(this.journalDir, `j-${now}-${process.pid}-${crypto.randomBytes(4).toString('hex')}.json`);
    const temp = tempPath(this.journalDir, 'journal');
    writeDurable(temp, JSON.stringify(record));
    faultPoint('store:journal-temp');
    fs.renameSync(temp, file);
    fsyncDir(this.journalDir);
    return file;
  }

  private async tryExclusive<T>(change: (db: SqlSession) => Promise<T>, base?: Buffer): Promise<{ value: T } | undefined> {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    let lost: Error | undefined;
    let release: () => void;
    try {
      release = lockfile.lockSync(this.file, {
        lockfilePath: this.lockPath,
        realpath: false,
        stale: this.settings.lockStaleMs,
        update: this.settings.lockUpdateMs,
        onCompromised: (error) => (lost = error),
      });
    } catch (error) {
      if (errnoCode(error) === 'ELOCKED') return undefined;
      throw error;
    }
    const token = crypto.randomBytes(8).toString('hex');
    try {
      this.writeOwner(token);
      return { value: await this.merge(change, base) };
    } catch (error) {
      if (error instanceof FencedOutError) return undefined;
      throw error;
    } finally {
      if (!lost && readIfPresent(this.ownerPath) === token) {
        fs.rmSync(this.ownerPath, { force: true });
        release();
      }
    }
  }

  /** Who holds the database lock: proper-lockfile records nobody, and the fence needs to know. */
  private writeOwner(token: string): void {
    const temp = tempPath(path.dirname(this.file), 'lock-owner.new');
    writeDurable(temp, token, false);
    fs.renameSync(temp, this.ownerPath); // a dead holder's record is replaced: the lock is ours now
  }

  /** base: the data to start from instead of the newest generation's (a restore), committed on top of the newest all the same. */
  private async merge<T>(change: (db: SqlSession) => Promise<T>, base?: Buffer): Promise<T> {
    this.removeDeadTemps();
    await sleep(this.settings.commitDelayMs ?? DEFAULT_COMMIT_DELAY_MS);
    const { generation, data } = this.generations.readNewest();
    const db = await openDatabase(base ?? data, this.file);
    try {
      return await this.saveWith(db, change, generation);
    } finally {
      db.close();
    }
  }

  private async saveWith<T>(db: Database, change: (db: SqlSession) => Promise<T>, loaded: Generation): Promise<T> {
    const pending = this.readPending();
    const session = sqlJsSession(db);
    db.run('BEGIN');
    for (const { name, record } of pending) await applyRecord(session, name, record);
    const value = await change(session);
    db.run('COMMIT'); // sql.js cannot export inside a transaction
    faultPoint('store:before-save');
    if (!this.generations.commit(loaded, db.export())) {
      throw new FencedOutError(`another writer committed generation ${loaded.number + 1} first (this one loaded ${loaded.number})`);
    }
    faultPoint('store:after-save');
    // Committed: whoever merges these records again finds them in the database already.
    for (const { name } of pending) fs.rmSync(path.join(this.journalDir, name), { force: true });
    if (pending.length > 0) fsyncDir(this.journalDir);
    this.generations.publish();
    return value;
  }

  /** The journal, read: records in name order, unreadable ones moved to quarantine/. */
  private readPending(): Array<{ name: string; record: StoreRecord }> {
    const names = fs.existsSync(this.journalDir)
      ? fs
          .readdirSync(this.journalDir)
          .filter((n) => JOURNAL_NAME.test(n))
          .sort()
      : [];
    const pending: Array<{ name: string; record: StoreRecord }> = [];
    for (const name of names) {
      const text = readIfPresent(path.join(this.journalDir, name));
      if (text === undefined) continue;
      const parsed = parseRecord(text);
      if ('problem' in parsed) this.quarantine(name, parsed.problem);
      else pending.push({ name, record: parsed.record });
    }
    return pending;
  }

  private quarantine(name: string, problem: string): void {
    fs.mkdirSync(this.quarantineDir, { recursive: true });
    const target = path.join(this.quarantineDir, name);
    fs.writeFileSync(`${target}.reason`, `${new Date((this.settings.clock ?? systemClock).now()).toISOString()} ${problem}\n`);
    fs.renameSync(path.join(this.journalDir, name), target);
    fsyncDir(this.quarantineDir);
    fsyncDir(this.journalDir);
  }

  /**
   * Temps of writers that died: journal records never renamed into place (never promised
   * to anyone), generations never linked into place, links never renamed to reproducible.db.
   */
  private removeDeadTemps(): void {
    const dbDirTemps = (n: string) => n.endsWith(`.${path.basename(this.file)}.link`) || n.endsWith('.lock-owner.new');
    const checks = [
      [this.journalDir, () => true],
      [this.generations.dir, (n: string) => n.endsWith('.generation')],
      [path.dirname(this.file), dbDirTemps],
    ] as const;
    for (const [dir, keep] of checks) {
      if (!fs.existsSync(dir)) continue;
      for (const name of fs.readdirSync(dir)) {
        if (keep(name) && isDeadTemp(name)) fs.rmSync(path.join(dir, name), { force: true });
      }
    }
  }
}

function readIfPresent(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** A backup file's bytes, or exit 2 naming it. */
function readBackup(source: string): Buffer {
  try {
    return fs.readFileSync(source);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') throw new SpoolError('usage', `backup ${JSON.stringify(source)} does not exist`);
    throw error;
  }
}
