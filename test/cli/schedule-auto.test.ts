/**
 * schedule --auto and manual requests through the CLI, on the embedded store: a new upload
 * behind a backlog of 30,000 untested packages, dry runs and replays, two schedulers at
 * once, a scheduler SIGKILLed mid-run, bad configuration and bad requests.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { sleep } from '../../src/retry.js';
import { importSources } from '../../src/store/catalogue.js';
import { openStore } from '../../src/store/store.js';
import type { AutoReport } from '../../src/schedule/auto.js';
import fs from 'node:fs';
import { FAILED, SCHEDULED } from '../../src/spool/layout.js';
import { census, cli, cliAsync, fromJson, id, sandbox, writeConfig, writeEntry } from '../helpers/spool.js';

const SETTINGS = { lockStaleMs: 10_000, lockUpdateMs: 2_000, waitMs: 60_000, pollMs: 5 };
const DAY = 24 * 3600_000;

/** A main spool with a bookworm/amd64 catalogue of `untested` never-tested packages and `tested` tested ones, some with a newer version. */
async function mainSpool(
  label: string,
  untested: number,
  options: { newer?: string[]; tested?: number; scheduler?: Record<string, unknown>; thresholds?: Record<string, number> } = {},
) {
  const s = sandbox(label);
  const config = writeConfig(s.dir, { root: 'root', suites: ['bookworm'], scheduler: options.scheduler ?? {}, thresholds: options.thresholds ?? {} });
  const store = await openStore(path.join(s.root, 'reproducible.db'), SETTINGS);
  const newer = options.newer ?? [];
  const tested = Array.from({ length: options.tested ?? 0 }, (_, i) => `tested${i}`);
  const names = [...Array.from({ length: untested }, (_, i) => `pkg${String(i).padStart(5, '0')}`), ...newer, ...tested];
  await importSources(
    store,
    names.map((name) => ({
      name,
      version: newer.includes(name) ? '2.0-1' : '1.0-1',
      directory: `pool/main/p/${name}`,
      architectures: ['any'],
      dscName: `${name}.dsc`,
      dscSha256: 'b'.repeat(64),
    })),
    'bookworm',
    'amd64',
    new Date(),
  );
  await store.record(
    [...newer, ...tested].map((name) => ({
      kind: 'result' as const,
      source: { name, version: '1.0-1', suite: 'bookworm', architecture: 'amd64' },
      verdict: 'reproducible' as const,
      buildDate: new Date(Date.now() - 20 * DAY).toISOString(),
      builds: [],
    })),
  );
  await store.close();
  const run = (...args: string[]) => cli(s.root, ['--config', config, ...args]);
  const runAsync = (args: string[], env: Record<string, string> = {}) => cliAsync(s.root, ['--config', config, ...args], env);
  return { ...s, config, run, runAsync };
}

const packagesOf = (layout: Parameters<typeof census>[0]) => [...census(layout).entries.keys()].map((key) => key.split('/')[2]!.split('_')[0]!);

describe('schedule --auto through the CLI', () => {
  it('schedules a new upload in its first run and jobs pick it before 30,000 untested packages', async () => {
    const main = await mainSpool('auto-backlog', 30_000, { newer: ['fixed'] });
    const first = main.run('--json', 'schedule', '--auto', '--arch', 'amd64');
    assert.equal(first.status, 0, first.stderr);
    const report = fromJson<AutoReport>(first.stdout);
    assert.equal(report.scheduled[0]?.name, 'fixed', 'first in build order');
    assert.equal(report.scheduled[0]?.category, 'new');
    const untested = report.scheduled.filter((s) => s.category === 'untested').map((s) => s.name);
    assert.equal(untested.length, 255, 'the untested limit per run');
    assert.notDeepEqual(
      [...untested].sort(),
      untested.slice().sort().slice(0, 255) && Array.from({ length: 255 }, (_, i) => `pkg${String(i).padStart(5, '0')}`),
      'not alphabetical',
    );
    assert.deepEqual(report.queues, [{ architecture: 'amd64', queueMax: 2000, before: 0, after: 256, overfull: false }]);

    const picked = main.run('--json', 'pick', '--node', 'node1');
    assert.equal(picked.status, 0, picked.stderr);
    assert.match(picked.stdout, /"pkg": "fixed"/);
  });

  it('prints only JSON with --dry-run --json, changes nothing, and replays the same choice from the same seed', async () => {
    const main = await mainSpool('auto-dry', 500);
    const a = main.run('--json', 'schedule', '--auto', '--dry-run', '--seed', '42');
    const b = main.run('--json', 'schedule', '--auto', '--dry-run', '--seed', '42');
    const c = main.run('--json', 'schedule', '--auto', '--dry-run', '--seed', '43');
    assert.equal(a.status, 0, a.stderr);
    const names = (r: typeof a) => fromJson<AutoReport>(r.stdout).scheduled.map((s) => s.name);
    assert.deepEqual(names(a), names(b));
    assert.notDeepEqual(names(a), names(c));
    assert.equal(fromJson<AutoReport>(a.stdout).seed, 42);
    assert.equal(census(main.layout).entries.size, 0);
    const human = main.run('schedule', '--auto', '--dry-run', '--seed', '42', '--arch', 'amd64');
    assert.match(
      human.stdout,
      /dry run: would schedule 255 \(seed 42; replay: --seed 42 --dry-run\)\namd64: queue 0 → 255 \(queueMax 2000\)\n {2}untested +255/,
    );
  });

  it('adds each package at most once with two schedulers at once and after one is SIGKILLed mid-run', async () => {
    // A killed scheduler's lock goes stale after lockStaleSeconds: short here, so that the next run need not wait a minute.
    const main = await mainSpool('auto-race', 300, { scheduler: { limits: { untested: 120 } }, thresholds: { lockStaleSeconds: 2, lockUpdateSeconds: 0.5 } });
    const racers = await Promise.all([main.runAsync(['--json', 'schedule', '--auto']), main.runAsync(['--json', 'schedule', '--auto'])]);
    for (const r of racers) assert.ok(r.status === 0 || r.status === 4, `exit ${r.status}: ${r.stderr}`);
    const afterRace = packagesOf(main.layout);
    assert.equal(new Set(afterRace).size, afterRace.length, 'no package twice');
    assert.ok(afterRace.length <= 240);

    const killed = await main.runAsync(['schedule', '--auto'], { REPRO_SPOOL_FAULT: 'enqueue:after-temp' });
    assert.equal(killed.signal, 'SIGKILL', `${killed.status} ${killed.stdout} ${killed.stderr}`);
    assert.equal(main.run('schedule', '--auto').status, 4, 'the dead scheduler holds its lock until it is stale');
    await sleep(2500);
    const killedLater = await main.runAsync(['schedule', '--auto'], { REPRO_SPOOL_FAULT: 'schedule:after-entry' });
    assert.equal(killedLater.signal, 'SIGKILL');
    await sleep(2500);
    assert.equal(main.run('reap').status, 0);
    const rerun = main.run('--json', 'schedule', '--auto');
    assert.equal(rerun.status, 0, rerun.stderr);
    const all = packagesOf(main.layout);
    assert.equal(new Set(all).size, all.length, 'no package twice');
    const after = census(main.layout);
    assert.deepEqual(after.temps, []);
    assert.deepEqual(after.locks, []);
    for (const places of after.entries.values()) assert.deepEqual(places, ['scheduled'], 'every entry whole, in one state');
  });

  it('refuses bad configuration (exit 2, naming the key) and bad requests without scheduling anything', async () => {
    const main = await mainSpool('auto-bad', 10, { tested: 3 });
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ retryAfterHours: { E404: -1 } }, /scheduler\.retryAfterHours\.E404 = -1/],
      [{ limits: { bogus: 3 } }, /scheduler\.limits: Unrecognized key: "bogus"/],
      [{ retestAfterDays: { amd64: 0 } }, /scheduler\.retestAfterDays/],
      [
        { limits: { new: [{ perRun: 5 }, { queueAtMost: 10, perRun: 2 }] } },
        /scheduler\.limits\.new\.0\.queueAtMost: every tier but the last needs queueAtMost/,
      ],
    ];
    for (const [scheduler, message] of cases) {
      const config = writeConfig(main.dir, { root: 'root', scheduler });
      const result = cli(main.root, ['--config', config, 'schedule', '--auto']);
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    }
    writeConfig(main.dir, { root: 'root', suites: ['bookworm'], scheduler: { manualDailyLimit: 2 } });
    const control = main.run('schedule', '--status', 'reproducible', '--arch', 'amd64', '--reason', 'a\rb');
    assert.equal(control.status, 2);
    assert.match(control.stderr, /--reason "a\\rb" holds a control character/);
    const badStatus = main.run('schedule', '--status', 'great', '--arch', 'amd64');
    assert.equal(badStatus.status, 2);
    assert.match(badStatus.stderr, /--status "great": expected a verdict/);
    const tooMany = main.run('schedule', '--status', 'reproducible', '--arch', 'amd64', '--requester', 'mattia');
    assert.equal(tooMany.status, 2);
    assert.match(tooMany.stderr, /mattia has made 0 manual requests in the last 24 hours; 3 more would pass scheduler\.manualDailyLimit \(2\)/);
    assert.equal(census(main.layout).entries.size, 0);
  });

  it('schedules by filter as a manual request, first in build order, with reason and requester in the entry', async () => {
    const main = await mainSpool('auto-filter', 5, { tested: 3, scheduler: { retestAfterDays: 30 } });
    const dry = main.run('--json', 'schedule', '--status', 'reproducible', '--built-before', '2099-01-01', '--arch', 'amd64', '--dry-run');
    assert.equal(dry.status, 0, dry.stdout + dry.stderr);
    assert.equal(fromJson<unknown[]>(dry.stdout).length, 3);
    assert.equal(census(main.layout).entries.size, 0);
    const auto = main.run('schedule', '--auto', '--arch', 'amd64');
    assert.equal(auto.status, 0, auto.stdout + auto.stderr);
    const manual = main.run('schedule', '--status', 'reproducible', '--arch', 'amd64', '--reason', 'new gcc', '--requester', 'holger');
    assert.equal(manual.status, 0, manual.stderr);
    const picked = main.run('--json', 'pick', '--node', 'node1');
    assert.match(picked.stdout, /"pkg": "tested\d"/, 'manual requests go first');
    const shown = main.run('show', 'tested0');
    assert.match(shown.stdout, /Category: manual|manual/);
  });

  it('release gives a failed entry another chance, once', async () => {
    const main = await mainSpool('release', 0);
    writeEntry(main.layout, FAILED, id('gave-up', '1.0'), { Attempt: '4', 'Last-Failure': 'node unreachable' });
    const released = main.run('release', 'gave-up', '1.0', '--suite', 'bookworm', '--arch', 'amd64');
    assert.equal(released.status, 0, released.stderr);
    assert.match(released.stdout, /released bookworm\/amd64\/gave-up\/1\.0: failed\/ → scheduled\/ \(attempt 1; it failed with: node unreachable\)/);
    assert.match(fs.readFileSync(main.layout.entryPath(SCHEDULED, id('gave-up', '1.0')), 'utf8'), /Attempt: 1\n[^]*Released: /);
    assert.equal(main.run('release', 'gave-up', '1.0', '--suite', 'bookworm', '--arch', 'amd64').status, 3);
  });
});
