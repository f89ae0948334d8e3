/** Test fixtures: throwaway spool roots, raw entries, the real CLI as a child process, and a census of states. */
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Stanza } from '../../src/debian/deb822.js';
import { type EntryId, idKey } from '../../src/spool/identity.js';
import { initSpoolRoot } from '../../src/spool/root.js';
import { Layout, type Place, placeName } from '../../src/spool/layout.js';
import { walkEntries, walkResults, listDir } from '../../src/spool/walk.js';
import { hasResultMarker } from '../../src/spool/results.js';
import { lexists } from '../../src/spool/read-entry.js';
import type { LoopSummary } from '../../src/cli/check-loop.js';

export const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(PROJECT, 'bin/repro-spool.js');
export const SHA = crypto.createHash('sha256').update('a .dsc').digest('hex');

const made: string[] = [];
// Sandboxes go when the test process ends (set KEEP_TEST_DIRS=1 to inspect them).
process.on('exit', () => {
  if (!process.env.KEEP_TEST_DIRS) for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes a configuration file into dir and returns its path (relative paths in it resolve against dir). */
export function writeConfig(dir: string, content: Record<string, unknown>): string {
  const file = path.join(dir, 'repro-spool.json');
  fs.writeFileSync(file, JSON.stringify(content));
  return file;
}

/** The CLI words that enqueue PKG VERSION for bookworm/amd64 (into NODE's inbox with node), with fields NAME=VALUE. */
export function enqueueArgs(pkg: string, version: string, sha256: string, options: { node?: string; fields?: readonly string[] } = {}): string[] {
  const node = options.node ? ['--node', options.node] : [];
  const fields = (options.fields ?? []).flatMap((field) => ['--field', field]);
  return ['enqueue', ...node, pkg, version, '--suite', 'bookworm', '--arch', 'amd64', '--dsc-sha256', sha256, ...fields];
}

/** A CLI's --json output (or a file) as the shape the test expects; the assertions check it. */
export function fromJson<T = Record<string, unknown>>(text: string): T {
  return JSON.parse(text) as T;
}

/** A verdict as a check prints it with --json: what tests and benchmarks read of it. */
export interface PrintedVerdict {
  readonly id: { readonly pkg: string };
  readonly verdict: string;
}

/** What a loop of checks (`build --for`, `--max-checks`) printed with --json: a verdict per line, then its summary. */
export function loopOutput(stdout: string): { verdicts: PrintedVerdict[]; summary: LoopSummary } {
  const lines = stdout.trim().split('\n');
  return { verdicts: lines.slice(0, -1).map((line) => fromJson<PrintedVerdict>(line)), summary: fromJson<LoopSummary>(lines.at(-1)!) };
}

export function tempDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `repro-spool-${label}-`));
  made.push(dir);
  return dir;
}

/** A fresh spool root (as `init` makes it) inside a sandbox dir, with a canary file beside it (outside the root). */
export function sandbox(label: string): { dir: string; root: string; canary: string; layout: Layout } {
  const dir = tempDir(label);
  const root = path.join(dir, 'root');
  initSpoolRoot(root, new Date());
  const canary = path.join(dir, 'CANARY');
  fs.writeFileSync(canary, 'untouched\n');
  return { dir, root, canary, layout: new Layout(root) };
}

export function id(pkg: string, version = '1.0-1', suite = 'bookworm', arch = 'amd64'): EntryId {
  return { suite, arch, pkg, version };
}

/** Writes an entry file directly (fast fixture, no lock): the content the transitions expect. */
export function writeEntry(layout: Layout, place: Place, entryId: EntryId, extra: Record<string, string> = {}): string {
  const file = layout.entryPath(place, entryId);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fields = Stanza.of([
    ['Source', entryId.pkg],
    ['Version', entryId.version],
    ['Suite', entryId.suite],
    ['Architecture', entryId.arch],
    ['Dsc-Sha256', SHA],
    ['Attempt', '1'],
    ['Node', place.state === 'node' ? place.node : place.state === 'pending' ? 'node1' : undefined],
  ]);
  for (const [k, v] of Object.entries(extra)) fields.put(k, v); // exactly as given: hostile fixtures hold raw control characters
  fs.writeFileSync(file, fields.toString());
  return file;
}

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function cli(root: string, args: string[], env: Record<string, string> = {}): CliResult {
  const result = spawnSync(process.execPath, [CLI, '--root', root, ...args], {
    encoding: 'utf8',
    env: { ...process.env, REPRO_SPOOL_FAULT: '', ...env },
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

export function cliAsync(root: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '--root', root, ...args], { env: { ...process.env, REPRO_SPOOL_FAULT: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

export interface Census {
  /** idKey → the places holding an entry file for it. */
  entries: Map<string, string[]>;
  /** idKeys with a complete results directory. */
  results: Set<string>;
  temps: string[];
  locks: string[];
  quarantineItems: number;
  quarantineSlots: number;
}

/** Everything a spool holds, for asserting "each entry in exactly one state, none lost". */
export function census(layout: Layout): Census {
  const entries = new Map<string, string[]>();
  for (const e of walkEntries(layout).entries) {
    const key = idKey(e.id);
    entries.set(key, [...(entries.get(key) ?? []), placeName(e.place)]);
  }
  const results = new Set(
    walkResults(layout)
      .entries.filter((r) => hasResultMarker(r.path))
      .map((r) => idKey(r.id)),
  );
  const locks: string[] = [];
  for (const suite of listDir(layout.locksDir)) {
    if (!suite.isDirectory() || suite.name.startsWith('_')) continue; // _tmp and the singleton locks are no entry's
    for (const arch of listDir(path.join(layout.locksDir, suite.name))) {
      for (const item of listDir(path.join(layout.locksDir, suite.name, arch.name))) locks.push(item.name);
    }
  }
  const slots = listDir(layout.quarantineDir);
  return {
    entries,
    results,
    temps: [...listDir(layout.tmpDir), ...listDir(layout.locksTmpDir)].map((d) => d.name),
    locks,
    quarantineItems: slots.filter((s) => lexists(path.join(layout.quarantineDir, s.name, 'item'))).length,
    quarantineSlots: slots.length,
  };
}

/** Whether any process of the group still runs: a zombie (killed, not yet reaped by whoever adopted it) does not count. */
export function hasSleepingGroup(pgid: number): boolean {
  const states = spawnSync('ps', ['-o', 'stat=', '-g', String(pgid)], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean);
  return states.some((state) => !state.startsWith('Z'));
}
