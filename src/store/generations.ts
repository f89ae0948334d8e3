/**
 * reproducible.db's commits, conditional by construction rather than by timing. Each
 * commit is a whole new generation, reproducible.db.generations/g-NNNNNNNNNNNN, made
 * from the generation it was loaded from (N) as N+1 with link(2), which fails with
 * EEXIST when another writer committed N+1 first. However long a writer pauses between
 * loading and committing (SIGSTOP, a VM pause, a stalled fsync), it can only commit on
 * top of what it loaded: never over records another writer has acknowledged since. The
 * writer that loses starts over from the newest generation; its records are still in the
 * journal. Readers and writers open the newest generation.
 *
 * reproducible.db itself stays a SQLite file for people (`sqlite3 reproducible.db`): a
 * hard link to the newest generation, replaced by rename after each commit. It is a view:
 * a writer paused between its commit and this update can leave it a generation behind
 * until the next commit (each writer looks again after updating it and corrects it).
 * A database without generations (made before them, or seeded by a script) is generation 0:
 * reproducible.db itself. The newest two generations are kept; older ones are removed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errors.js';
import { fsyncDir, tempPath, writeDurable } from '../durable/atomic.js';
import { faultPoint } from '../durable/fault.js';

const GENERATION = /^g-([0-9]{12})$/;
/**
 * Disk is what bounds this: each generation is a whole database. A reader whose chosen
 * generation is removed before it opens it looks again (readNewest), and an open file
 * outlives its removal, so the newest and the one before are enough.
 */
const KEPT_GENERATIONS = 2;

export interface Generation {
  /** 0: reproducible.db itself (no generation committed yet). */
  readonly number: number;
  readonly file: string;
}

export class Generations {
  readonly dir: string;

  constructor(readonly file: string) {
    this.dir = `${file}.generations`;
  }

  private path(number: number): string {
    return path.join(this.dir, `g-${String(number).padStart(12, '0')}`);
  }

  private numbers(): number[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return [];
      throw error;
    }
    return names.flatMap((name) => {
      const match = GENERATION.exec(name);
      return match ? [Number(match[1])] : [];
    });
  }

  newest(): Generation {
    const newest = Math.max(0, ...this.numbers());
    return { number: newest, file: newest === 0 ? this.file : this.path(newest) };
  }

  /**
   * The newest generation's bytes (undefined: no database yet). A generation removed
   * between listing and reading (three commits in that instant) is looked up again:
   * never taken for an empty database.
   */
  readNewest(): { generation: Generation; data: Buffer | undefined } {
    for (;;) {
      const generation = this.newest();
      try {
        return { generation, data: fs.readFileSync(generation.file) };
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT') throw error;
        if (generation.number === 0 && this.newest().number === 0) return { generation, data: undefined };
      }
    }
  }

  /** Commits data as the generation after `loaded`; false (nothing changed) when another writer committed that one first. */
  commit(loaded: Generation, data: Uint8Array): boolean {
    fs.mkdirSync(this.dir, { recursive: true });
    const temp = tempPath(this.dir, 'generation');
    try {
      writeDurable(temp, data);
      faultPoint('store:before-commit');
      try {
        fs.linkSync(temp, this.path(loaded.number + 1));
      } catch (error) {
        if (errnoCode(error) === 'EEXIST') return false;
        throw error;
      }
    } finally {
      fs.rmSync(temp, { force: true });
    }
    fsyncDir(this.dir);
    return true;
  }

  /** Points reproducible.db at the newest generation, and removes the old ones. */
  publish(): void {
    for (;;) {
      const newest = this.newest();
      if (newest.number === 0) return;
      if (!sameInode(newest.file, this.file)) {
        const temp = tempPath(path.dirname(this.file), `${path.basename(this.file)}.link`);
        try {
          fs.linkSync(newest.file, temp);
        } catch (error) {
          if (errnoCode(error) === 'ENOENT') continue; // removed meanwhile: a newer one exists
          throw error;
        }
        // rename(2) of one link onto another of the same file does nothing and leaves the
        // source: that happens when another writer published this generation meanwhile.
        fs.renameSync(temp, this.file);
        fs.rmSync(temp, { force: true });
        fsyncDir(path.dirname(this.file));
      }
      if (this.newest().number === newest.number) break; // else a writer committed meanwhile: point at its generation
    }
    const numbers = this.numbers().sort((a, b) => b - a);
    for (const old of numbers.slice(KEPT_GENERATIONS)) fs.rmSync(this.path(old), { force: true });
  }
}

function sameInode(a: string, b: string): boolean {
  const [x, y] = [fs.statSync(a, { throwIfNoEntry: false }), fs.statSync(b, { throwIfNoEntry: false })];
  return x !== undefined && y !== undefined && x.dev === y.dev && x.ino === y.ino;
}
