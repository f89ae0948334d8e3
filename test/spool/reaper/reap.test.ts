import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import lockfile from 'proper-lockfile';
import { writeDurable, tempPath } from '../../../src/durable/atomic.js';
import { FAILED, type Layout, PENDING, RESULT_MARKER, SCHEDULED, nodePlace } from '../../../src/spool/layout.js';
import { reap } from '../../../src/spool/reaper/reap.js';
import { type Thresholds, openSpool } from '../../../src/spool/spool.js';
import { until } from '../../helpers/until.js';
import { PROJECT, cli, cliAsync, census, hasSleepingGroup, id, sandbox, writeEntry } from '../../helpers/spool.js';
import { sleep } from '../../../src/retry.js';
import { fromJson } from '../../helpers/spool.js';

/** hello in pending/, its lock held by a builder on another host (whose liveness this host cannot judge). */
function pendingLockedElsewhere(layout: Layout): string {
  writeEntry(layout, PENDING, id('hello'));
  const lockDir = layout.lockDir(id('hello'));
  fs.mkdirSync(lockDir, { recursive: true });
  const owner = `Token: t\nPurpose: build\nHost: elsewhere\nBoot-Id: b\nPid: 1\nPid-Start: 1\nSince: ${new Date().toISOString()}\n`;
  fs.writeFileSync(layout.ownerPath(id('hello')), owner);
  return lockDir;
}

/** What one reap does about a builder that died holding its entry: every step done. */
const DEAD_BUILDER_CLEANED = [
  ['break-lock', 'done'],
  ['kill', 'done'],
  ['remove-workdir', 'done'],
  ['requeue', 'done'],
];

const inbox = nodePlace('node1');
const FAST: Partial<Thresholds> = { lockStaleMs: 4000, lockUpdateMs: 1000, killGraceMs: 2000 };
const children: ChildProcess[] = [];
after(() => children.forEach((c) => c.kill('SIGKILL')));

/** A live builder holding node1's first inbox entry, with a sleeping build in its own process group. */
async function startBuilder(root: string): Promise<{ child: ChildProcess; pgid: number; workdir: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT, 'test/helpers/hold-lock.ts'), root], {
    cwd: PROJECT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  return { child, ...(JSON.parse(line.toString()) as { pgid: number; workdir: string }) };
}

const later = (ms: number) => ({ now: () => Date.now() + ms });

describe('reaper', () => {
  it('never touches a pending build whose holder is alive and refreshing its lock', async () => {
    const s = sandbox('reap-live');
    writeEntry(s.layout, inbox, id('hello'));
    const builder = await startBuilder(s.root);
    const report = await reap(openSpool(s.root, FAST));
    assert.deepEqual(
      report.actions.filter((a) => a.action !== 'prune-dir'),
      [],
      'only the emptied inbox directory is pruned',
    );
    assert.equal(fromJson(cli(s.root, ['--json', 'status']).stdout).stalePending, 0);
    assert.ok(hasSleepingGroup(builder.pgid));
    builder.child.kill('SIGKILL');
  });

  it('after its holder is SIGKILLed: kills the leftover build group, removes the workdir, hands the entry back', async () => {
    const s = sandbox('reap-dead');
    writeEntry(s.layout, inbox, id('hello'));
    const builder = await startBuilder(s.root);
    builder.child.kill('SIGKILL');
    await once(builder.child, 'exit');
    const report = await reap(openSpool(s.root, FAST));
    assert.deepEqual(
      report.actions.map((a) => [a.action, a.outcome]),
      DEAD_BUILDER_CLEANED,
    );
    assert.match(report.actions[0]!.reason, /holder pid \d+ on .* is gone/);
    assert.equal(hasSleepingGroup(builder.pgid), false, 'no process of the build is left');
    assert.equal(fs.existsSync(builder.workdir), false);
    assert.match(fs.readFileSync(s.layout.entryPath(inbox, id('hello')), 'utf8'), /Attempt: 2\n/);
    assert.deepEqual(census(s.layout).locks, []);
  });

  it('after its holder ended on SIGTERM (its lock removed by the exit hook, its owner record left): hands the entry back all the same', async () => {
    const s = sandbox('reap-sigterm');
    writeEntry(s.layout, inbox, id('hello'));
    const builder = await startBuilder(s.root);
    builder.child.kill('SIGTERM');
    await once(builder.child, 'exit');
    assert.equal(fs.existsSync(s.layout.lockDir(id('hello'))), false, 'the exit hook removed the lock');
    assert.equal(fs.existsSync(s.layout.ownerPath(id('hello'))), true, 'but not the owner record');
    const report = await reap(openSpool(s.root, FAST));
    assert.deepEqual(
      report.actions.map((a) => [a.action, a.outcome]),
      DEAD_BUILDER_CLEANED,
    );
    assert.match(report.actions[0]!.reason, /ended without releasing/);
    assert.equal(hasSleepingGroup(builder.pgid), false);
    assert.match(fs.readFileSync(s.layout.entryPath(inbox, id('hello')), 'utf8'), /Attempt: 2\n/);
    assert.deepEqual(census(s.layout).locks, []);
    assert.deepEqual(
      (await reap(openSpool(s.root, FAST))).actions.filter((a) => a.action !== 'prune-dir'),
      [],
      'a second reap finds nothing',
    );
  });

  it('kills a build past maxBuildMs even though its holder is alive', async () => {
    const s = sandbox('reap-overdue');
    writeEntry(s.layout, inbox, id('hello'));
    const builder = await startBuilder(s.root);
    const exited = once(builder.child, 'exit');
    const owner = s.layout.ownerPath(id('hello'));
    const started = new Date(Date.now() - 3600_000 - 1000).toISOString();
    fs.writeFileSync(owner, fs.readFileSync(owner, 'utf8').replace(/^Since: .*$/m, `Since: ${started}`));
    const report = await reap(openSpool(s.root, { ...FAST, maxBuildMs: 3600_000 }));
    assert.equal(report.actions[0]!.action, 'kill');
    assert.match(report.actions[0]!.reason, /past maxBuildMs/);
    await exited;
    assert.equal(hasSleepingGroup(builder.pgid), false);
    assert.deepEqual([...census(s.layout).entries], [['bookworm/amd64/hello_1.0-1', ['node1']]]);
  });

  it('judges a lock that is no longer refreshed as stale, even when its holder is on another host', async () => {
    const s = sandbox('reap-refresh');
    pendingLockedElsewhere(s.layout);
    assert.deepEqual((await reap(openSpool(s.root, FAST), { dryRun: true })).actions, [], 'fresh: left alone');
    const report = await reap(openSpool(s.root, FAST, later(10_000)));
    assert.match(report.actions.find((a) => a.action === 'break-lock')!.reason, /lock not refreshed for 1\d s/);
    assert.deepEqual([...census(s.layout).entries], [['bookworm/amd64/hello_1.0-1', ['node1']]]);
  });

  it('judges a lock dated a day in the future (the clock was stepped back) as stale, its own lock included, instead of jamming for ever', () => {
    const s = sandbox('reap-future');
    const lockDir = pendingLockedElsewhere(s.layout);
    const tomorrow = new Date(Date.now() + 86_400_000);
    fs.utimesSync(lockDir, tomorrow, tomorrow);
    const reaperLock = path.join(s.layout.locksDir, '_reaper.lock');
    fs.mkdirSync(reaperLock);
    fs.utimesSync(reaperLock, tomorrow, tomorrow);
    const result = cli(s.root, ['--json', 'reap']);
    assert.equal(result.status, 0, `the reaper is not locked out by a future-dated lock: ${result.stderr}`);
    const actions = (JSON.parse(result.stdout) as { actions: Array<{ action: string; reason: string }> }).actions;
    assert.match(actions.find((a) => a.action === 'break-lock')!.reason, /dated \d+ s in the future/);
    assert.deepEqual([...census(s.layout).entries], [['bookworm/amd64/hello_1.0-1', ['node1']]], 'handed back to its inbox');
  });

  it('hands back an unlocked claim only once it is older than the stale window', async () => {
    const s = sandbox('reap-lease');
    writeEntry(s.layout, PENDING, id('hello'));
    assert.deepEqual((await reap(openSpool(s.root, FAST))).actions, []);
    const report = await reap(openSpool(s.root, FAST, later(5000)));
    assert.deepEqual(
      report.actions.map((a) => a.action),
      ['requeue'],
    );
  });

  it("survives entries moved by others while it plans, and never removes an entry's last name", async () => {
    const s = sandbox('reap-race');
    const config = path.join(s.dir, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ thresholds: { lockStaleSeconds: 2, lockUpdateSeconds: 1 } }));
    // dup: in scheduled/ and node1/ (scheduled wins); gone from scheduled/ while the reaper plans
    writeEntry(s.layout, SCHEDULED, id('dup'));
    writeEntry(s.layout, inbox, id('dup'), { Job: 'job1' });
    // abandoned: an unlocked claim older than the stale time; taken back to the inbox by someone else meanwhile
    const abandoned = writeEntry(s.layout, PENDING, id('abandoned'));
    await sleep(2500);
    // As node1's own reaper: on main an unlocked node1/ entry this old is one its job lost, and a fresh plan hands it back.
    const reaping = cliAsync(s.root, ['--config', config, '--json', 'reap', '--node', 'node1'], { REPRO_SPOOL_STALL: 'reap:after-plan:3000' });
    await sleep(1500); // the reaper has walked and is stalled
    fs.unlinkSync(s.layout.entryPath(SCHEDULED, id('dup')));
    fs.renameSync(abandoned, writeEntry(s.layout, inbox, id('abandoned')));
    const result = await reaping;
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { actions: Array<{ action: string; path: string }> };
    assert.deepEqual(
      report.actions.filter((a) => a.action === 'remove-duplicate' || a.action === 'requeue'),
      [],
      'nothing acted on a stale plan',
    );
    const places = census(s.layout).entries;
    assert.deepEqual(places.get('bookworm/amd64/dup_1.0-1'), ['node1'], 'the only remaining name of dup survives');
    assert.deepEqual(places.get('bookworm/amd64/abandoned_1.0-1'), ['node1']);
  });

  it("forget waits for a running reaper instead of taking over a dead holder's lock, so its build is still ended and its workdir removed", async () => {
    const s = sandbox('forget-race');
    const config = path.join(s.dir, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ thresholds: { lockStaleSeconds: 2, lockUpdateSeconds: 1, killGraceSeconds: 1 } }));
    writeEntry(s.layout, inbox, id('hello'));
    const builder = await startBuilder(s.root);
    builder.child.kill('SIGKILL');
    await once(builder.child, 'exit');
    await sleep(2500); // the dead holder's lock is stale by its age too
    const reaping = cliAsync(s.root, ['--config', config, '--json', 'reap'], { REPRO_SPOOL_STALL: 'reap:after-plan:1500' }); // shorter than the stale time: it keeps its lock
    await until(() => fs.existsSync(s.layout.reaperLockDir), 'the reaper holds its lock');
    const forgot = cli(s.root, ['--config', config, '--json', 'forget', 'hello', '1.0-1', '--suite', 'bookworm', '--arch', 'amd64', '--node', 'node1']);
    assert.equal(forgot.status, 0, forgot.stderr);
    const reaped = await reaping;
    assert.equal(reaped.status, 0);
    assert.equal(hasSleepingGroup(builder.pgid), false, "the dead holder's build was ended");
    assert.equal(fs.existsSync(builder.workdir), false, 'its workdir was removed');
    const left = census(s.layout);
    assert.deepEqual([...left.entries], []);
    assert.deepEqual(left.locks, []);
  });

  it('on a node, removes an inbox entry nobody claimed for abandonedMaxAge; on main an unlocked outbox entry is one its job lost, handed back', async () => {
    const s = sandbox('reap-abandoned');
    writeEntry(s.layout, inbox, id('forgotten'));
    assert.deepEqual((await reap(openSpool(s.root, FAST), { thisNode: 'node1' })).actions, [], 'young: it may be claimed any moment');
    const report = await reap(openSpool(s.root, FAST, later(49 * 3600_000)), { thisNode: 'node1' });
    assert.deepEqual(
      report.actions.map((a) => `${a.action} ${a.path}`),
      ['remove-abandoned reproducible-builds/node1/bookworm/amd64/forgotten/1.0-1'],
    );
    assert.deepEqual([...census(s.layout).entries], []);

    // On main a job holds an outbox entry's lock from taking it to its verdict: without a lock
    // and an owner, it is one whose job lost both (taken over while paused, and the taker ended).
    const main = sandbox('reap-lost-outbox');
    writeEntry(main.layout, inbox, id('lost'));
    assert.deepEqual((await reap(openSpool(main.root, FAST))).actions, [], 'young: its job may still be about to conclude');
    const handedBack = await reap(openSpool(main.root, FAST, later(5000)));
    assert.deepEqual(
      handedBack.actions.map((a) => [a.action, a.reason]),
      [['requeue', 'its job died: shipped and unlocked for longer than lockStaleMs, so no job is checking it (attempt 1 of 3)']],
    );
    assert.deepEqual([...census(main.layout).entries.values()], [['scheduled']], 'in exactly one state');
  });

  it("on main, hands back an outbox entry whose stale lock was not a job's (a requeue that died before moving it) in one reap, not two", async () => {
    const s = sandbox('reap-stale-outbox');
    writeEntry(s.layout, inbox, id('dropped'));
    fs.mkdirSync(s.layout.lockDir(id('dropped')), { recursive: true });
    const owner = `Token: t\nPurpose: requeue\nHost: elsewhere\nBoot-Id: b\nPid: 1\nPid-Start: 1\nSince: ${new Date().toISOString()}\n`;
    fs.writeFileSync(s.layout.ownerPath(id('dropped')), owner);
    const first = await reap(openSpool(s.root, FAST, later(5000)));
    assert.deepEqual(
      first.actions.map((a) => [a.action, a.outcome]),
      [
        ['break-lock', 'done'],
        ['requeue', 'done'],
      ],
    );
    assert.match(first.actions[1]!.reason, /lock not refreshed for \d+ s, and shipped for longer than lockStaleMs with no job checking it/);
    const second = await reap(openSpool(s.root, FAST, later(5000)));
    assert.deepEqual(
      second.actions.filter((a) => a.action !== 'prune-dir'),
      [],
      'the second reap has nothing left to repair',
    );
    assert.deepEqual([...census(s.layout).entries.values()], [['scheduled']]);
  });

  it('moves an entry to failed/ instead when its attempts are used up', async () => {
    const s = sandbox('reap-fail');
    writeEntry(s.layout, PENDING, id('hello'), { Attempt: '3' });
    const report = await reap(openSpool(s.root, FAST, later(5000)));
    assert.equal(report.actions[0]!.action, 'fail');
    assert.ok(fs.existsSync(s.layout.entryPath(FAILED, id('hello'))));
  });

  it('removes temps of dead writers, keeps those of live ones, and drops incomplete results, and unfetched ones once they are old', async () => {
    const s = sandbox('reap-orphans');
    const spool = openSpool(s.root, FAST);
    fs.mkdirSync(s.layout.tmpDir, { recursive: true });
    const mine = tempPath(s.layout.tmpDir, 'live');
    writeDurable(mine, 'still writing');
    fs.writeFileSync(path.join(s.layout.tmpDir, '999999999.1.aaaaaaaaaaaa.dead'), 'x');
    fs.writeFileSync(path.join(s.layout.tmpDir, 'unknown-writer'), 'x');
    const complete = s.layout.resultsPath('node1', id('done'));
    const partial = s.layout.resultsPath('node1', id('partial'));
    fs.mkdirSync(complete, { recursive: true });
    fs.writeFileSync(path.join(complete, RESULT_MARKER), 'Status: built\n');
    fs.mkdirSync(partial, { recursive: true });
    const report = await reap(spool);
    assert.deepEqual(report.actions.map((a) => `${a.action} ${a.path}`).sort(), [
      'remove-results reproducible-results/node1/bookworm/amd64/partial/1.0-1',
      'remove-temp tmp/999999999.1.aaaaaaaaaaaa.dead',
    ]);
    assert.ok(fs.existsSync(mine) && fs.existsSync(complete));
    const old = await reap(openSpool(s.root, FAST, later(25 * 3600_000)));
    assert.deepEqual(
      old.actions.map((a) => `${a.action} ${a.path}`),
      ['remove-temp tmp/unknown-writer'],
    );
    // complete results that nobody fetched for abandonedMaxAge (their job died, their entry failed) go too
    const unfetched = await reap(openSpool(s.root, FAST, later(49 * 3600_000)));
    assert.deepEqual(
      unfetched.actions.map((a) => `${a.action} ${a.path}`),
      ['remove-results reproducible-results/node1/bookworm/amd64/done/1.0-1'],
    );
    assert.match(unfetched.actions[0]!.reason, /complete results nobody fetched for \d+ s/);
  });

  it('quarantines corrupt entries, strays and symlinks, with a reason each', async () => {
    const s = sandbox('reap-corrupt');
    fs.writeFileSync(writeEntry(s.layout, PENDING, id('bad')), 'Source: bad\n');
    writeEntry(s.layout, SCHEDULED, id('good'));
    fs.writeFileSync(path.join(s.layout.placeDir(SCHEDULED), 'bookworm', 'README'), 'stray');
    fs.writeFileSync(path.join(s.layout.placeDir(SCHEDULED), 'bookworm', 'stray'), 'stray');
    fs.symlinkSync(s.canary, path.join(s.layout.placeDir(SCHEDULED), 'bookworm', 'amd64', 'good', '2.0-1'));
    const report = await reap(openSpool(s.root, FAST));
    const quarantined = report.actions
      .filter((a) => a.action === 'quarantine')
      .map((a) => `${a.path}: ${a.reason}`)
      .sort();
    assert.deepEqual(quarantined, [
      'reproducible-builds/pending/bookworm/amd64/bad/1.0-1: corrupt entry: Version is missing, but the path says "1.0-1"',
      'reproducible-builds/scheduled/bookworm/README: "README" is not a valid architecture',
      'reproducible-builds/scheduled/bookworm/amd64/good/2.0-1: a symlink (never followed) where an entry file belongs',
      'reproducible-builds/scheduled/bookworm/stray: a regular file where an architecture directory belongs',
    ]);
    assert.equal(fs.readFileSync(s.canary, 'utf8'), 'untouched\n');
    assert.deepEqual([...census(s.layout).entries], [['bookworm/amd64/good_1.0-1', ['scheduled']]]);
  });

  it('reports in a dry run exactly what a real run then does, and changes nothing', async () => {
    const s = sandbox('reap-dry');
    writeEntry(s.layout, PENDING, id('hello'));
    writeEntry(s.layout, inbox, id('hello'));
    const before = census(s.layout);
    const dry = await reap(openSpool(s.root, FAST), { dryRun: true });
    assert.deepEqual(census(s.layout), before);
    const real = await reap(openSpool(s.root, FAST));
    assert.deepEqual(
      dry.actions.map((a) => [a.action, a.path]),
      real.actions.map((a) => [a.action, a.path]),
    );
    assert.ok(dry.actions.every((a) => a.outcome === 'planned') && real.actions.every((a) => a.outcome === 'done'));
    assert.deepEqual([...census(s.layout).entries], [['bookworm/amd64/hello_1.0-1', ['node1']]]);
  });

  it('prunes an empty package directory only once it has been empty for the stale window', async () => {
    const s = sandbox('reap-prune');
    const dir = path.join(s.layout.placeDir(inbox), 'bookworm', 'amd64', 'hello');
    fs.mkdirSync(dir, { recursive: true });
    assert.deepEqual((await reap(openSpool(s.root, FAST))).actions, [], 'a writer may be about to link an entry into it');
    const later5 = await reap(openSpool(s.root, FAST, later(5000)));
    assert.deepEqual(
      later5.actions.map((a) => `${a.action} ${a.path}`),
      ['prune-dir reproducible-builds/node1/bookworm/amd64/hello'],
    );
    assert.equal(fs.existsSync(dir), false);
  });

  it('runs one at a time: a second reaper exits 4 while the first holds the reaper lock', async () => {
    const s = sandbox('reap-single');
    const spool = openSpool(s.root, FAST);
    fs.mkdirSync(spool.layout.locksDir, { recursive: true });
    const release = await lockfile.lock(spool.layout.reaperLockDir, { realpath: false, lockfilePath: spool.layout.reaperLockDir, stale: 4000, update: 1000 });
    const second = cli(s.root, ['reap']);
    await release();
    assert.equal(second.status, 4);
    assert.match(second.stderr, /another reaper is running/);
    assert.equal(cli(s.root, ['reap']).status, 0);
  });
});
