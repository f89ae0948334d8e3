/**
 * Notifications end to end through the CLI: real local checks (host builder, packages
 * from a local mirror) spool their events, `notify deliver` runs a real hook process.
 * The hook accepts each event id once (as a hook must, delivery being at-least-once) and
 * logs every try, so "delivered once" and "tried N times" are both visible.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileStore } from '../../src/store/file-store.js';
import type { StoreRecord } from '../../src/store/records.js';
import { processStat } from '../../src/durable/process-identity.js';
import { type Mirror, startMirror } from '../helpers/mirror.js';
import { until } from '../helpers/until.js';
import { PROJECT, cliAsync, fromJson, sandbox, tempDir, writeConfig } from '../helpers/spool.js';

let mirror: Mirror;
before(async () => {
  mirror = await startMirror([
    { name: 'steady', version: '1.0', build: ['mkdir -p out', 'echo constant > out/data'] },
    { name: 'wobbly', version: '1.0', build: ['mkdir -p out', 'umask > out/umask'] },
  ]);
});
after(async () => {
  await mirror.close();
});

/** Fails the first $FAIL_TIMES tries of each event (exit 75), then accepts it once: a second delivery of an accepted id is acknowledged, not counted. */
const HOOK = `#!/bin/sh
set -e
state="$HOOK_STATE"; id="$REPRO_SPOOL_EVENT_ID"
n=$(cat "$state/$id.tries" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$state/$id.tries"
cat > "$state/$id.json"
if [ -n "$HANG" ]; then sleep 600; fi
if [ "$n" -le "\${FAIL_TIMES:-0}" ]; then echo "smtp is down (try $n)" >&2; exit 75; fi
if [ -e "$state/$id.accepted" ]; then exit 0; fi
echo "$id" >> "$state/accepted"; touch "$state/$id.accepted"
`;

function installation(thresholds: Record<string, number> = {}) {
  const s = sandbox('notify');
  const hookState = tempDir('hook-state');
  const hook = path.join(s.dir, 'hook');
  fs.writeFileSync(hook, HOOK, { mode: 0o755 });
  const config = writeConfig(s.dir, {
    root: 'root',
    builder: 'host',
    mirror: mirror.url,
    suites: ['bookworm'],
    notify: { command: [hook], regressionSuites: ['bookworm'] },
    thresholds: { notifyBackoffSeconds: 0.05, notifyRetries: 2, notifyTimeoutSeconds: 2, killGraceSeconds: 1, ...thresholds },
  });
  const run = (args: string[], env: Record<string, string> = {}) => cliAsync(s.root, ['--config', config, ...args], { HOOK_STATE: hookState, ...env });
  const store = new FileStore(path.join(s.root, 'reproducible.db'), { lockStaleMs: 10_000, lockUpdateMs: 2_000, waitMs: 10_000, pollMs: 5 });
  // Each `build PKG` is a manual request too, so it spools a request-finished event besides: these tests follow the regressions.
  const pending = () => fs.readdirSync(path.join(s.root, 'events', 'pending')).filter((f) => f.startsWith('regression-') && f.endsWith('.json'));
  const requests = () => fs.readdirSync(path.join(s.root, 'events', 'pending')).filter((f) => f.startsWith('request-finished-'));
  const accepted = () =>
    fs.existsSync(path.join(hookState, 'accepted')) ? fs.readFileSync(path.join(hookState, 'accepted'), 'utf8').split('\n').filter(Boolean) : [];
  const tries = (id: string) => Number(fs.readFileSync(path.join(hookState, `${id}.tries`), 'utf8'));
  return { ...s, config, hookState, run, store, pending, requests, accepted, tries };
}

function result(name: string, version: string, verdict: 'reproducible' | 'depwait' | 'FTBFS', buildDate: string): StoreRecord {
  return { kind: 'result', source: { name, version, suite: 'bookworm', architecture: 'amd64' }, verdict, buildDate, builds: [] };
}

/** wobbly was reproducible before: its real check now (unreproducible under the host builder's umask variation) is a regression. */
async function regress(node: ReturnType<typeof installation>, env: Record<string, string> = {}) {
  await node.store.record([result('wobbly', '0.9', 'reproducible', '2026-11-01T00:00:00.000Z')]);
  return node.run(['--json', 'build', 'wobbly', '--arch', 'amd64'], env);
}

describe('notifications', () => {
  it('a hook that fails twice, then succeeds, gets the regression once; a hook failing longer gets it at a later run, once', async () => {
    const node = installation();
    const built = await regress(node);
    assert.equal(built.status, 0, built.stderr);
    assert.equal(fromJson(built.stdout).verdict, 'unreproducible');
    const [file] = node.pending();
    const event = fromJson<{ id: string; kind: string; summary: string }>(fs.readFileSync(path.join(node.root, 'events', 'pending', file!), 'utf8'));
    assert.deepEqual([event.kind, event.summary], ['regression', 'wobbly 1.0 in bookworm/amd64: regressed from reproducible (0.9) to unreproducible']);
    assert.equal((await node.run(['--json', 'build', 'steady', '--arch', 'amd64'])).status, 0, 'a first verdict is no regression');
    assert.equal(node.pending().length, 1);
    assert.equal(node.requests().length, 2, 'both local checks were manual requests, finished');

    const delivered = await node.run(['--json', 'notify', 'deliver'], { FAIL_TIMES: '2' });
    assert.equal(delivered.status, 0, delivered.stderr);
    assert.equal(fromJson<{ delivered: string[] }>(delivered.stdout).delivered.length, 3);
    assert.deepEqual([node.accepted().filter((id) => id === event.id).length, node.accepted().length, node.tries(event.id)], [1, 3, 3]);
    assert.deepEqual(node.pending(), []);
    assert.equal(fromJson<{ delivered: string[] }>((await node.run(['--json', 'notify', 'deliver'])).stdout).delivered.length, 0, 'nothing twice');

    // Another installation whose hook fails five times: the first run gives up after three tries (exit 1), the next run delivers.
    const later = installation();
    const event2 = (await regress(later)).status === 0 ? later.pending()[0]!.replace(/\.json$/, '') : '';
    const failed = await later.run(['--json', 'notify', 'deliver'], { FAIL_TIMES: '5' });
    assert.equal(failed.status, 1);
    assert.match(fromJson<{ failed: Array<{ error: string }> }>(failed.stdout).failed[0]!.error, /hook exited 75: smtp is down \(try 3\)/);
    assert.match(failed.stderr, /not delivered .* next try after/);
    await new Promise((resolve) => setTimeout(resolve, 150)); // the backoff to the next run: 0.05 s × 2
    const retried = await later.run(['--json', 'notify', 'deliver'], { FAIL_TIMES: '5' });
    assert.equal(retried.status, 0, retried.stderr);
    assert.deepEqual([later.accepted().filter((id) => id === event2).length, later.tries(event2)], [1, 6]);
  });

  it('SIGKILL between spooling and delivery delivers after restart, once; SIGKILL after the hook accepted it gives it again, with the same id', async () => {
    const node = installation({ lockStaleSeconds: 2, lockUpdateSeconds: 1 });
    const killed = await regress(node, { REPRO_SPOOL_FAULT: 'check:after-events' });
    assert.equal(killed.signal, 'SIGKILL', killed.stderr);
    assert.equal(node.pending().length, 1, 'spooled with the committed verdict');
    assert.equal((await node.run(['reap'])).status, 0);
    const finished = await node.run(['--json', 'build', 'wobbly', '--arch', 'amd64']);
    assert.equal(finished.status, 0, finished.stderr);
    assert.equal(node.pending().length, 1, 'finishing the dead check spools nothing new: the same id');
    const id = node.pending()[0]!.replace(/\.json$/, '');

    const cut = await node.run(['notify', 'deliver'], { REPRO_SPOOL_FAULT: 'notify:after-hook' });
    assert.equal(cut.signal, 'SIGKILL');
    assert.deepEqual([node.accepted().includes(id), node.pending()], [true, [`${id}.json`]], 'the hook has it; the spool does not know yet');
    assert.equal((await node.run(['notify', 'deliver'])).status, 4, "the dead deliverer's lock holds until it is stale");
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const again = await node.run(['--json', 'notify', 'deliver']);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual([node.accepted().filter((a) => a === id).length, node.tries(id), node.pending()], [1, 2, []], 'given twice, accepted once');
    assert.equal(new Set(node.accepted()).size, node.accepted().length, 'no event accepted twice');
    assert.ok(fs.existsSync(path.join(node.root, 'events', 'delivered', `${id}.json`)));
  });

  it('two deliverers at once: one delivers, the other exits 4; one paused past the stale time loses the lock, and the event is still accepted once', async () => {
    const node = installation({ lockStaleSeconds: 2, lockUpdateSeconds: 1 });
    assert.equal((await regress(node)).status, 0);
    const id = node.pending()[0]!.replace(/\.json$/, '');
    // The first freezes (event loop and lock refreshes too) right after its first hook accepted an event.
    const paused = node.run(['--json', 'notify', 'deliver'], { REPRO_SPOOL_STALL: 'notify:after-hook:8000' });
    await until(() => node.accepted().length > 0, 'the first deliverer reached its hook');
    const [givenTwice] = node.accepted();
    assert.equal((await node.run(['notify', 'deliver'])).status, 4, 'a live holder: busy');
    await new Promise((resolve) => setTimeout(resolve, 2500)); // the paused deliverer's lock is stale now, and it is still paused
    const takeover = await node.run(['--json', 'notify', 'deliver']);
    assert.equal(takeover.status, 0, takeover.stderr);
    const first = await paused;
    assert.ok(first.status === 0 || first.status === 4, `the paused one finishes or says it lost the lock: ${first.stderr}`);
    assert.equal(node.accepted().filter((a) => a === id).length, 1, 'accepted once');
    assert.equal(node.tries(givenTwice!), 2, 'the event the paused one had not marked delivered was given again by the new holder');
    assert.deepEqual(node.pending(), []);
    assert.ok(fs.existsSync(path.join(node.root, 'events', 'delivered', `${id}.json`)));
    assert.equal(new Set(node.accepted()).size, node.accepted().length, 'no event accepted twice');
    assert.deepEqual(fs.readdirSync(path.join(node.root, 'events', 'pending')), [], 'nothing left pending, nothing in two places');
  });

  it('a check whose hook hangs still finishes, and the hung hook is ended with its process group at the timeout', async () => {
    const node = installation({ notifyRetries: 0, notifyTimeoutSeconds: 1 });
    assert.equal((await regress(node)).status, 0);
    const deliverer = node.run(['--json', 'notify', 'deliver'], { HANG: '1' });
    const started = performance.now();
    const checked = await node.run(['--json', 'build', 'steady', '--arch', 'amd64']);
    assert.equal(checked.status, 0, checked.stderr);
    const hung = await deliverer;
    assert.equal(hung.status, 1);
    assert.match(fromJson<{ failed: Array<{ error: string }> }>(hung.stdout).failed[0]!.error, /timed out after 1 s/);
    assert.ok(performance.now() - started < 20_000, 'neither waited for the hook');
    const sleepers = spawnSync('pgrep', ['-f', 'sleep 600'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
    assert.deepEqual(
      sleepers.filter((pid) => processStat(pid)?.pgrp !== undefined && fs.readFileSync(`/proc/${pid}/environ`, 'utf8').includes(node.hookState)),
      [],
      "the hook's sleep went with it",
    );
    assert.equal(node.pending().length, 1, 'it waits for the next run');
    assert.ok(fs.existsSync(path.join(node.root, 'events', 'attempts', node.pending()[0]!)));
  });

  it('sets an unreadable event aside without holding up the others, and spools each subscribed package’s digest once', async () => {
    const node = installation();
    assert.equal((await regress(node)).status, 0);
    fs.writeFileSync(path.join(node.root, 'events', 'pending', 'regression-0123456789abcdef0123456789abcdef.json'), '{"cut short');
    fs.writeFileSync(path.join(node.root, 'notify-subscriptions'), 'wobbly maint@example.org\nsteady other@example.org\n');
    await node.store.record([result('steady', '1.0', 'depwait', '2026-12-02T05:00:00.000Z'), result('steady', '1.0', 'FTBFS', '2026-12-03T05:00:00.000Z')]);
    const day = new Date().toISOString().slice(0, 10); // wobbly's two checks: reproducible (0.9, recorded above), then today's unreproducible
    const digest = await node.run(['--json', 'notify', 'digest', '--day', day]);
    assert.equal(digest.status, 0, digest.stderr);
    assert.deepEqual(fromJson(digest.stdout).spooled, ['wobbly'], "steady's only change is from depwait: no news");
    assert.deepEqual(fromJson((await node.run(['--json', 'notify', 'digest', '--day', day])).stdout).spooled, [], 'once per package and day');
    assert.equal((await node.run(['notify', 'digest', '--day', '2026-13-45'])).status, 2);

    const delivered = await node.run(['--json', 'notify', 'deliver']);
    assert.equal(delivered.status, 1, 'an unreadable event is reported');
    const summary = fromJson<{ delivered: string[]; unreadable: string[] }>(delivered.stdout);
    assert.deepEqual(
      [summary.delivered.filter((id) => !id.startsWith('request-finished-')).length, summary.unreadable],
      [2, ['regression-0123456789abcdef0123456789abcdef.json']],
      'the regression and the digest',
    );
    const digestEvent = fromJson<{ recipients: string[]; data: { text: string } }>(
      fs.readFileSync(path.join(node.hookState, `${summary.delivered.find((id) => id.startsWith('digest-'))!}.json`), 'utf8'),
    );
    assert.deepEqual(digestEvent.recipients, ['maint@example.org']);
    assert.equal(digestEvent.data.text, 'bookworm/amd64 1.0: reproducible → unreproducible');
    assert.equal(fs.readdirSync(path.join(node.root, 'events', 'unreadable')).length, 1);
  });

  it('the example sendmail hook mails an event to its recipients once, however often it is given', async () => {
    const dir = tempDir('sendmail-hook');
    const sendmail = path.join(dir, 'sendmail');
    fs.writeFileSync(sendmail, `#!/bin/sh\ncat >> "${dir}/mailbox"\necho "--- $*" >> "${dir}/mailbox"\n`, { mode: 0o755 });
    const event = {
      id: `digest-${'a'.repeat(32)}`,
      kind: 'digest',
      at: '2026-12-04T00:03:00.000Z',
      summary: 'hello: 1 change',
      recipients: ['m@example.org'],
      data: { text: 'x → y' },
    };
    const give = () =>
      new Promise<number | null>((resolve) => {
        const hook = spawn(path.join(PROJECT, 'scripts/notify-hooks/sendmail'), [], {
          env: { ...process.env, SENDMAIL: sendmail, NOTIFY_STATE_DIR: path.join(dir, 'state') },
        });
        hook.once('exit', resolve);
        hook.stdin.end(JSON.stringify(event));
      });
    assert.deepEqual([await give(), await give()], [0, 0]);
    const mailbox = fs.readFileSync(path.join(dir, 'mailbox'), 'utf8');
    assert.match(mailbox, /^To: m@example\.org$/m);
    assert.match(mailbox, /^Subject: hello: 1 change$/m);
    assert.equal(mailbox.match(/^--- -t -oi$/gm)?.length, 1, 'mailed once');
  });
});
