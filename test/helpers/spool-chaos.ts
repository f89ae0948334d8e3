/**
 * The randomized crash harness for the spool: rounds of concurrent CLI processes (pick,
 * claim, complete, requeue, reap, and database writers) against one spool, some
 * SIGKILLed at a random moment, some SIGSTOPped past the stale time and then continued.
 * Afterwards `reap` twice, and the promise is checked: every entry in exactly one state
 * (or completed, with its results), none lost, none duplicated, no temps, no locks, the
 * second reap a no-op, and every database record acknowledged with exit 0 present.
 * Used by test/spool/chaos.test.ts (bounded) and scripts/soak (long).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sleep } from '../../src/retry.js';
import { SCHEDULED } from '../../src/spool/layout.js';
import { walkEntries } from '../../src/spool/walk.js';
import { FileStore } from '../../src/store/file-store.js';
import { STACK_TRACE, seededRandom } from './random.js';
import { CLI, PROJECT, census, cli, id, sandbox, writeEntry } from './spool.js';

export interface SpoolChaosOptions {
  readonly rounds: number;
  readonly entries: number;
  /** Operations per round, and how many run at once. */
  readonly opsPerRound: number;
  readonly parallel: number;
  readonly killRate: number;
  readonly stopRate: number;
  readonly seed?: number;
}

export interface SpoolChaosReport {
  readonly operations: number;
  readonly kills: number;
  readonly stops: number;
  readonly exitCodes: Record<string, number>;
  /** Problems found: empty when the spool kept its promise. */
  readonly violations: string[];
  readonly acknowledgedRecords: number;
  readonly seconds: number;
}

const STALE_SECONDS = 2;
const DOCUMENTED_EXITS = new Set([0, 1, 3, 4]);

type Op = { readonly name: string; readonly args: string[]; readonly script?: string; readonly records?: string[] };

export async function runSpoolChaos(options: SpoolChaosOptions): Promise<SpoolChaosReport> {
  const started = Date.now();
  const rand = seededRandom(options.seed ?? Date.now());
  const pickOne = <T>(items: readonly T[]): T | undefined => items[Math.floor(rand() * items.length)];
  const s = sandbox('chaos');
  const config = path.join(s.dir, 'config.json');
  fs.writeFileSync(config, JSON.stringify({ thresholds: { lockStaleSeconds: STALE_SECONDS, lockUpdateSeconds: 1, killGraceSeconds: 1, maxAttempts: 5 } }));
  const ids = Array.from({ length: options.entries }, (_, i) => id(`pkg${i}`));
  for (const entryId of ids) writeEntry(s.layout, SCHEDULED, entryId, { Scheduled: new Date().toISOString() });
  const database = path.join(s.root, 'reproducible.db');
  const acknowledged: string[] = [];
  const exitCodes: Record<string, number> = {};
  const violations: string[] = [];
  let kills = 0;
  let stops = 0;
  let writers = 0;

  const entriesIn = (state: 'pending' | 'node'): string[][] =>
    walkEntries(s.layout)
      .entries.filter((e) => e.place.state === state)
      .map((e) => [e.id.pkg, e.id.version, '--suite', e.id.suite, '--arch', e.id.arch]);

  const nextOp = (): Op => {
    const r = rand() * 11;
    if (r < 3) return { name: 'pick', args: ['pick', '--node', 'node1', '--job', 'chaos'] };
    if (r < 6) return { name: 'claim', args: ['claim', '--node', 'node1', '--max', '2'] };
    if (r < 8) {
      const target = pickOne(entriesIn('pending'));
      if (target) return { name: 'complete', args: ['complete', ...target, '--status', 'built'] };
    }
    if (r < 9) {
      const target = pickOne([...entriesIn('pending'), ...entriesIn('node')]);
      if (target) return { name: 'requeue', args: ['requeue', ...target, '--reason', 'chaos'] };
    }
    if (r < 10) return { name: 'reap', args: ['reap'] };
    const prefix = `w${writers++}`;
    return {
      name: 'db-write',
      args: [database, prefix, '2'],
      script: path.join(PROJECT, 'test/helpers/store-writer.ts'),
      records: [`${prefix}-0`, `${prefix}-1`],
    };
  };

  const runOp = (op: Op): Promise<void> =>
    new Promise((resolve) => {
      const argv = op.script ? ['--import', 'tsx', op.script, ...op.args] : [CLI, '--root', s.root, '--config', config, ...op.args];
      const child: ChildProcess = spawn(process.execPath, argv, {
        cwd: PROJECT,
        env: { ...process.env, REPRO_SPOOL_FAULT: '', STORE_LOCK_STALE_MS: String(STALE_SECONDS * 1000) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const fate = rand();
      const at = 20 + rand() * 600;
      const timers: NodeJS.Timeout[] = [];
      if (fate < options.killRate) {
        timers.push(setTimeout(() => child.kill('SIGKILL'), at));
      } else if (fate < options.killRate + options.stopRate) {
        timers.push(
          setTimeout(() => {
            if (!child.kill('SIGSTOP')) return;
            stops++;
            timers.push(setTimeout(() => child.kill('SIGCONT'), (STALE_SECONDS + 0.5) * 1000));
          }, at),
        );
      }
      child.on('close', (status, signal) => {
        timers.forEach(clearTimeout);
        const key = signal ?? String(status);
        exitCodes[`${op.name}:${key}`] = (exitCodes[`${op.name}:${key}`] ?? 0) + 1;
        if (signal === 'SIGKILL') kills++;
        else if (!DOCUMENTED_EXITS.has(status ?? -1))
          violations.push(`${op.name} ${op.args.join(' ')} exited ${status ?? signal}: ${stderr.trim().slice(0, 400)}`);
        if (STACK_TRACE.test(stderr)) violations.push(`${op.name} printed a stack trace: ${stderr.trim().slice(0, 400)}`);
        if (status === 0 && op.records) acknowledged.push(...op.records);
        resolve();
      });
    });

  let operations = 0;
  for (let round = 0; round < options.rounds; round++) {
    const queue = Array.from({ length: options.opsPerRound }, () => 0);
    await Promise.all(
      Array.from({ length: options.parallel }, async () => {
        while (queue.pop() !== undefined) {
          operations++;
          await runOp(nextOp());
        }
      }),
    );
  }

  // Settle: every lock of a killed process is stale, every unlocked claim old enough.
  await sleep((STALE_SECONDS + 0.5) * 1000);
  const reapJson = (): { status: number | null; actions: Array<{ action: string; path: string; outcome: string }>; stderr: string } => {
    const out = cli(s.root, ['--config', config, '--json', 'reap']);
    try {
      return {
        status: out.status,
        actions: (JSON.parse(out.stdout) as { actions: Array<{ action: string; path: string; outcome: string }> }).actions,
        stderr: out.stderr,
      };
    } catch {
      return { status: out.status, actions: [], stderr: out.stderr };
    }
  };
  const first = reapJson();
  if (first.status !== 0) violations.push(`the first reap exited ${first.status}: ${first.stderr}`);
  const errors = first.actions.filter((a) => a.outcome === 'error');
  if (errors.length) violations.push(`the first reap's actions failed: ${JSON.stringify(errors)}`);
  const second = reapJson();
  const repairs = second.actions.filter((a) => a.action !== 'prune-dir');
  if (second.status !== 0 || repairs.length) violations.push(`the second reap was not a no-op (exit ${second.status}): ${JSON.stringify(repairs)}`);

  const left = census(s.layout);
  for (const entryId of ids) {
    const key = `${entryId.suite}/${entryId.arch}/${entryId.pkg}_${entryId.version}`;
    const places = left.entries.get(key) ?? [];
    const done = left.results.has(key);
    if (places.length + (done ? 1 : 0) !== 1) violations.push(`${key}: in ${places.join(', ') || 'no state'}${done ? ' and completed' : ''}`);
  }
  for (const key of left.entries.keys()) if (!ids.some((e) => key.endsWith(`/${e.pkg}_${e.version}`))) violations.push(`${key}: an entry nobody made`);
  if (left.temps.length) violations.push(`temps left: ${left.temps.join(' ')}`);
  if (left.locks.length) violations.push(`locks left: ${left.locks.join(' ')}`);
  if (left.quarantineItems) violations.push(`${left.quarantineItems} quarantined`);

  if (acknowledged.length > 0) {
    const store = new FileStore(database, { lockStaleMs: STALE_SECONDS * 1000, lockUpdateMs: 1000, waitMs: 30_000, pollMs: 10 });
    // Records of writers killed after journalling wait in the journal for the next writer: one more merges them.
    await store.record([]);
    const present = new Set(await store.read(async (db) => (await db.all<{ name: string }>('SELECT name FROM results')).map((r) => r.name)));
    const lost = acknowledged.filter((name) => !present.has(name));
    if (lost.length) violations.push(`database records acknowledged with exit 0 but lost: ${lost.join(' ')}`);
  }
  return { operations, kills, stops, exitCodes, violations, acknowledgedRecords: acknowledged.length, seconds: (Date.now() - started) / 1000 };
}
