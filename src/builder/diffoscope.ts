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
}

export async function diffoscope(first: string, second: string, reports: ReportPaths, settings: DiffoscopeSettings): Promise<DiffoscopeOutcome> {
  const outDir = path.dirname(reports.text);
  if (!hasDiffoscope()) return 'unavailable';
  const cap = String(settings.maxReportBytes);
  const run = await runInGroup(
    {
      command: 'diffoscope',
      args: ['--html', reports.html, '--text', reports.text, '--max-report-size', cap, '--max-text-report-size', cap, first, second],
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

/** What differs, from a diffoscope text report: each top-level file (a .deb, the .buildinfo) with the paths inside it that differ. */
export interface DifferingFile {
  readonly file: string;
  readonly members: string[];
}

/** At most this many paths per file: the report has the rest. */
const MAX_MEMBERS = 20;

/**
 * Reads the tree diffoscope prints ("├── name" at a depth of "│ " prefixes): the depth-1
 * names that are files (of the two .changes, or the two .debs compared directly), and
 * under each the package paths ("./usr/…") it found different.
 */
export function differingFiles(reportText: string): DifferingFile[] {
  const files: DifferingFile[] = [];
  for (const line of reportText.split('\n')) {
    const node = /^((?:│ {1,3})*)├── (.+)$/.exec(line);
    if (!node) continue;
    const depth = (node[1]!.match(/│/g) ?? []).length;
    const name = node[2]!.trim();
    if (depth === 0) {
      if (/^[^\s/]+\.(deb|udeb|ddeb|buildinfo|dsc|tar\.\w+)$/.test(name)) files.push({ file: name, members: [] });
      else files.push({ file: '', members: [] }); // a field of the .changes: nothing below it is a package's file
      continue;
    }
    const current = files.at(-1);
    if (current?.file && name.startsWith('./') && current.members.length < MAX_MEMBERS && !current.members.includes(name)) current.members.push(name);
  }
  return files.filter((f) => f.file !== '');
}

/** One differing file for people: "NAME: ./path ./path…", or NAME alone (the verdict file's lines; show and build print it so). */
export function describeDifferingFile(file: DifferingFile): string {
  return `${file.file}${file.members.length ? `: ${file.members.join(' ')}` : ''}`;
}
