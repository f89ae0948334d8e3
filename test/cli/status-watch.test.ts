import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { CLI, SHA, cli, sandbox } from '../helpers/spool.js';
import { writeConfig } from '../helpers/spool.js';

describe('status --watch', () => {
  it('prints a new view on each change of the spool, from events rather than its (hour-long) rescan, and ends cleanly on SIGTERM', async () => {
    const s = sandbox('status-watch');
    const config = writeConfig(s.dir, { thresholds: { watchRescanSeconds: 3600, watchDebounceSeconds: 0.05 } });
    const watcher = spawn(process.execPath, [CLI, '--root', s.root, '--config', config, '--json', 'status', '--watch'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => watcher.on('exit', resolve));
    const views = createInterface({ input: watcher.stdout })[Symbol.asyncIterator]();
    const next = async () => JSON.parse((await views.next()).value as string) as { counts: Record<string, number> };
    assert.equal((await next()).counts.scheduled, 0, 'the first view is the spool as it is');
    assert.equal(cli(s.root, ['enqueue', 'hello', '2.10-3', '--suite', 'bookworm', '--arch', 'amd64', '--dsc-sha256', SHA]).status, 0);
    assert.equal((await next()).counts.scheduled, 1, 'the new entry shows up');
    assert.equal(cli(s.root, ['pick', '--node', 'node1']).status, 0);
    const picked = await next();
    assert.deepEqual([picked.counts.scheduled, picked.counts.node1], [0, 1], 'the pick shows up');
    watcher.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
