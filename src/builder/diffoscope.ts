/** diffoscope reports (html and text) for two differing packages, under a timeout and a size cap. */
import fs from 'node:fs';
import path from 'node:path';
import { type Spawner, runInGroup } from '../process/group.js';
import { hasDiffoscope } from './tools.js';

export const DIFFOSCOPE_OUTCOMES = ['written', 'timeout', 'unavailable', 'failed'] as const;
export type DiffoscopeOutcome = (typeof DIFFOSCOPE_OUTCOMES)[number];

export interface DiffoscopeSettings {
  readonly timeoutMs: number;
  readonly maxReportBytes: number;
  readonly killGraceMs: number;
  readonly spawner?: Spawner;
}

/** Where the reports go (archive/format.ts names them in a check directory); diffoscope's log goes beside them. */
export interface ReportPaths {
  readonly html: string;
  readonly text: string;
  readonly json: string;
}

export async function diffoscope(first: string, second: string, reports: ReportPaths, settings: DiffoscopeSettings): Promise<DiffoscopeOutcome> {
  const outDir = path.dirname(reports.text);
  if (!hasDiffoscope()) return 'unavailable';
  const cap = String(settings.maxReportBytes);
  // diffoscope's own timeout first: it stops recursing and writes what it has, so a partial report survives our kill's.
  const ownTimeout = String(Math.max(1, Math.floor((settings.timeoutMs * 3) / 4 / 1000)));
  const run = await runInGroup(
    {
      command: 'diffoscope',
      args: [
        ...['--html', reports.html, '--text', reports.text, '--json', reports.json],
        ...['--max-report-size', cap, '--max-text-report-size', cap, '--timeout', ownTimeout],
        first,
        second,
      ],
      cwd: outDir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: outDir },
      logFile: path.join(outDir, 'diffoscope.log'),
      timeoutMs: settings.timeoutMs,
      killGraceMs: settings.killGraceMs,
    },
    settings.spawner,
  );
  if (run.timedOut) return 'timeout';
  // diffoscope exits 1 when it found differences, which is what we asked for.
  return run.exitCode === 1 && fs.existsSync(reports.text) ? 'written' : 'failed';
}
