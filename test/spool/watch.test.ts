import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { watchSpool } from '../../src/spool/watch.js';
import { tempDir } from '../helpers/spool.js';
import { until } from '../helpers/until.js';
import { sleep } from '../../src/retry.js';

const waitUntil = (condition: () => boolean, what: string) => until(condition, what, 10_000, 20);

describe('watching spool directories', () => {
  it('looks again after an entry is renamed into a package directory created after the watch began', async () => {
    const inbox = path.join(tempDir('watch'), 'node1');
    fs.mkdirSync(inbox);
    let looks = 0;
    const errors: Error[] = [];
    const watch = watchSpool(
      [inbox],
      { rescanMs: 3_600_000, debounceMs: 20 },
      () => void looks++,
      (e) => errors.push(e),
    );
    await watch.ready;
    assert.equal(looks, 1, 'one look at start');
    const dir = path.join(inbox, 'bookworm/amd64/hello');
    fs.mkdirSync(dir, { recursive: true });
    await waitUntil(() => looks >= 2, 'the new directories are seen');
    const seen = looks;
    fs.writeFileSync(path.join(inbox, '..', 'tmp-entry'), 'Source: hello\n');
    fs.renameSync(path.join(inbox, '..', 'tmp-entry'), path.join(dir, '2.10-3'));
    await waitUntil(() => looks > seen, 'the entry renamed into the watched directory is seen');
    await watch.close();
    assert.deepEqual(errors, []);
  });

  it('rescans on its timer even when no event arrives, and never runs two looks at once', async () => {
    const dir = tempDir('watch-timer');
    let looks = 0;
    let running = 0;
    let overlapped = false;
    const watch = watchSpool(
      [dir],
      { rescanMs: 50, debounceMs: 10 },
      async () => {
        overlapped ||= running > 0;
        running++;
        await sleep(80);
        running--;
        looks++;
      },
      (e) => assert.fail(e),
    );
    await waitUntil(() => looks >= 3, 'three timed looks');
    await watch.close();
    assert.equal(overlapped, false);
  });
});
