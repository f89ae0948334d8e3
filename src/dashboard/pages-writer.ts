/**
 * Package pages are rewritten only when what they show changed: a manifest beside them
 * keeps each page's signature (its verdicts, its place in the spool, its archived checks,
 * and the page format), so regenerating after a few new verdicts writes a few files, not
 * one per package. Writes go to a temp name and are renamed, many at once (small-file
 * writes wait on the disk, not the CPU); a corrupt or missing manifest just means every
 * page is written again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errors.js';
import { listDir } from '../spool/walk.js';

const MANIFEST = '.manifest.json';
const PARALLEL_WRITES = 16;

export interface PageJob {
  readonly name: string;
  readonly signature: string;
  render(): string;
}

export interface PagesWritten {
  readonly written: number;
  readonly unchanged: number;
  readonly removed: number;
}

export async function writePackagePages(dir: string, format: string, jobs: readonly PageJob[]): Promise<PagesWritten> {
  const before = readManifest(dir, format);
  const present = new Set(
    listDir(dir)
      .filter((d) => d.isFile() && d.name.endsWith('.html'))
      .map((d) => d.name.slice(0, -'.html'.length)),
  );
  const due = jobs.filter((job) => !present.has(job.name) || before[job.name] !== job.signature);
  let next = 0;
  const worker = async () => {
    while (next < due.length) {
      const job = due[next++]!;
      const file = path.join(dir, `${job.name}.html`);
      const temp = `${file}.${process.pid}.tmp`;
      await fs.promises.writeFile(temp, job.render());
      await fs.promises.rename(temp, file);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_WRITES }, worker));
  const wanted = new Set(jobs.map((j) => j.name));
  const stale = [...present].filter((name) => !wanted.has(name));
  for (const name of stale) fs.rmSync(path.join(dir, `${name}.html`), { force: true });
  writePage(path.join(dir, MANIFEST), JSON.stringify({ format, pages: Object.fromEntries(jobs.map((j) => [j.name, j.signature])) }));
  return { written: due.length, unchanged: jobs.length - due.length, removed: stale.length };
}

/** One file of the site, replaced whole (temp beside it, then rename); not fsynced: the site is derived data. */
export function writePage(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
}

function readManifest(dir: string, format: string): Record<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, MANIFEST), 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return {};
    throw error;
  }
  try {
    const manifest = JSON.parse(text) as { format?: unknown; pages?: unknown };
    return manifest.format === format && typeof manifest.pages === 'object' && manifest.pages !== null ? (manifest.pages as Record<string, string>) : {};
  } catch {
    return {}; // a manifest cut short: rewrite every page rather than trust it
  }
}
