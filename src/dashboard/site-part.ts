/**
 * One part of the site rewritten whole by each run (lists/, issues/): its pages are
 * published as they are made, and at the end what this run did not write (a verdict no
 * package has any more, an issue no longer defined) is removed, with the temps a killed
 * run left there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ensureDirInside } from '../durable/atomic.js';
import { publishFile, removeDeadTemps } from '../durable/publish.js';
import { listDir } from '../spool/walk.js';
import { type Html, page } from './html.js';

export interface SitePart {
  /** Publishes the page at `relative` (to the site's root). */
  publish(relative: string, title: string, body: Html): Promise<void>;
  /** Removes the part's pages this run did not publish. */
  finish(): void;
}

export function openSitePart(outDir: string, part: string, generatedAt: string): SitePart {
  const written = new Set<string>();
  const sweep = (dir: string): void => {
    removeDeadTemps(dir);
    for (const entry of listDir(dir)) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) sweep(full);
      else if (entry.name.endsWith('.html') && !written.has(full)) fs.rmSync(full);
    }
  };
  return {
    publish: async (relative, title, body) => {
      const file = path.join(outDir, relative);
      ensureDirInside(outDir, path.dirname(file));
      await publishFile(file, page(title, body, generatedAt));
      written.add(file);
    },
    finish: () => sweep(path.join(outDir, part)),
  };
}
