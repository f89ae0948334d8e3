/** diffoscope reports (html and text) for two differing packages, under a timeout and a size cap. */
import fs from 'node:fs';
import path from 'node:path';
import { type Spawner, runInGroup } from './process-group.js';
import { hasDiffoscope } from './tools.js';

export const DIFFOSCOPE_OUTCOMES = ['written', 'timeout', 'unavailable', 'failed'] as const;
export type DiffoscopeOutcome = (typeof DIFFOSCOPE_OUTCOMES)[number];

export interface DiffoscopeSettings {
  readonly timeoutMs: number;
  readonly maxReportBytes: number;
  readonly killGraceMs: number;
  readonly spawner?: Spawner;
}

export async function diffoscope(first: string, second: string, outDir: string, settings: DiffoscopeSettings): Promise<DiffoscopeOutcome> {
  if (!hasDiffoscope()) return 'unavailable';
  const cap = String(settings.maxReportBytes);
  const run = await runInGroup(
    {
      command: 'diffoscope',
      args: ['--html', path.join(outDir, 'diffoscope.html'), '--text', path.join(outDir, 'diffoscope.txt'), '--max-report-size', cap, '--max-text-report-size', cap, first, second],
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
  return run.exitCode === 1 && fs.existsSync(path.join(outDir, 'diffoscope.txt')) ? 'written' : 'failed';
}
