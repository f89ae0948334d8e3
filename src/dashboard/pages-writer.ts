/**
 * Package pages are rewritten only when what they show changed: a manifest beside them
 * keeps each page's signature (its verdicts, its place in the spool, its archived checks,
 * and the page format), so regenerating after a few new verdicts writes a few files, not
 * one per package. Pages are published (durable/publish.ts), many at once (small-file
 * writes wait on the disk, not the CPU); a corrupt or missing manifest just means every
 * page is written again.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SpoolError, errnoCode, quoteValue } from '../errors.js';
import { publishFile, removeDeadTemps } from '../durable/publish.js';
import { isPackageName } from '../spool/names.js';
import { listDir } from '../spool/walk.js';

const MANIFEST = '.manifest.json';
const PARALLEL_WRITES = 16;

export interface PageSignature {
  readonly name: string;
  /** What the page shows, in short: the page is written again when it changes. */
  readonly signature: string;
}

export interface PagesWritten {
  readonly written: number;
  readonly unchanged: number;
  readonly removed: number;
}

/** The package pages of one run, given batch by batch so that only a batch's pages are in memory at once. */
export interface PackagePages {
  /** Keeps these pages, and says which of them must be written: missing, or showing something else now. */
  due(pages: readonly PageSignature[]): PageSignature[];
  write(pages: readonly { readonly name: string; readonly text: string }[]): Promise<void>;
  /** Removes the pages of packages no batch had, and keeps the signatures for the next run. */
  finish(): Promise<PagesWritten & { readonly total: number }>;
}

export function openPackagePages(dir: string, format: string): PackagePages {
  removeDeadTemps(dir);
  const before = readManifest(dir, format);
  const present = new Set(
    listDir(dir)
      .filter((d) => d.isFile() && d.name.endsWith('.html'))
      .map((d) => d.name.slice(0, -'.html'.length)),
  );
  const signatures = new Map<string, string>();
  let written = 0;
  let unchanged = 0;
  return {
    due: (pages) => {
      // Kept as digests: tens of thousands of full signatures would be most of this run's memory.
      const digests = pages.map((p) => crypto.createHash('sha256').update(p.signature).digest('base64'));
      const due = pages.filter((p, i) => !present.has(p.name) || before.get(p.name) !== digests[i]);
      pages.forEach((p, i) => signatures.set(p.name, digests[i]!));
      unchanged += pages.length - due.length;
      return due;
    },
    write: async (pages) => {
      let next = 0;
      const worker = async () => {
        while (next < pages.length) {
          const page = pages[next++]!;
          // A name from reproducible.db becomes a file name only if it is a package name (no '/', no '..').
          if (!isPackageName(page.name))
            throw new SpoolError('integrity', `reproducible.db holds the package name ${quoteValue(page.name)}: no page is written for it`);
          await publishFile(path.join(dir, `${page.name}.html`), page.text);
        }
      };
      await Promise.all(Array.from({ length: PARALLEL_WRITES }, worker));
      written += pages.length;
    },
    finish: async () => {
      const stale = [...present].filter((name) => !signatures.has(name));
      for (const name of stale) fs.rmSync(path.join(dir, `${name}.html`), { force: true });
      await publishFile(path.join(dir, MANIFEST), JSON.stringify({ format, pages: Object.fromEntries(signatures) }));
      return { written, unchanged, removed: stale.length, total: signatures.size };
    },
  };
}

function readManifest(dir: string, format: string): Map<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, MANIFEST), 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return new Map();
    throw error;
  }
  try {
    const manifest = JSON.parse(text) as { format?: unknown; pages?: unknown };
    if (manifest.format !== format || typeof manifest.pages !== 'object' || manifest.pages === null) return new Map();
    return new Map(Object.entries(manifest.pages).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return new Map(); // a manifest cut short: rewrite every page rather than trust it
  }
}
