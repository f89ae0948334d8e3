/**
 * export json over a real embedded reproducible.db: the files read back the way
 * tracker.debian.org reads them (python3: json, bz2; `package` and `status` per entry),
 * in the original's layout and words, the left-out statuses absent.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { exportJson } from '../../src/publish/export.js';
import { FileStore } from '../../src/store/file-store.js';
import type { StoreRecord, Verdict } from '../../src/store/records.js';
import { tempDir } from '../helpers/spool.js';
import { replaceNotes } from '../../src/store/notes.js';
import { INFRASTRUCTURE_ISSUES } from '../../src/notes/applies.js';

const SETTINGS = { lockStaleMs: 10_000, lockUpdateMs: 2_000, waitMs: 60_000, pollMs: 5 };

function result(name: string, version: string, suite: string, architecture: string, verdict: Verdict, at: string): StoreRecord {
  return { kind: 'result', source: { name, version, suite, architecture }, verdict, buildDate: at, builds: [] };
}

/** What tracker.debian.org does with the file: load it (from the .bz2 too) and take package and status of each entry. */
function asTrackerReads(file: string): { plain: Array<[string, string]>; compressed: Array<[string, string]>; layoutKept: boolean } {
  const script = [
    'import bz2, json, sys',
    'raw = open(sys.argv[1], "rb").read()',
    'plain = json.loads(raw)',
    'compressed = json.loads(bz2.decompress(open(sys.argv[1] + ".bz2", "rb").read()))',
    'layout_kept = json.dumps(plain, indent=4, sort_keys=True).encode() == raw',
    'print(json.dumps({"plain": [[e["package"], e["status"]] for e in plain], "compressed": [[e["package"], e["status"]] for e in compressed], "layoutKept": layout_kept}))',
  ].join('\n');
  const run = spawnSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as ReturnType<typeof asTrackerReads>;
}

describe('export json', () => {
  it("writes reproducible.json and the tracker file with their .bz2, in the original's words and layout, outside the root", async () => {
    const dir = tempDir('export');
    const store = new FileStore(path.join(dir, 'root', 'reproducible.db'), SETTINGS);
    const at = '2026-12-01T10:20:30.000Z';
    await store.record([
      result('hello', '2.10-3', 'trixie', 'amd64', 'unreproducible', at),
      result('hello', '2.10-3', 'trixie', 'arm64', 'reproducible', at),
      result('hello', '2.10-2', 'bookworm', 'amd64', 'reproducible', at),
      result('cowsay', '3.03+dfsg2-8', 'trixie', 'amd64', 'reproducible', at),
      result('broken', '1.0', 'trixie', 'amd64', 'FTBFS', at),
      result('waiting', '1.0', 'trixie', 'amd64', 'depwait', at),
      result('slow', '1.0', 'trixie', 'amd64', 'timeout', at),
      result('foreign', '1.0', 'trixie', 'amd64', 'not-for-us', at),
      result('gone', '1.0', 'trixie', 'amd64', 'E404', at),
      result('banned', '1.0', 'trixie', 'amd64', 'blacklisted', at),
      result('tampered', '1.0', 'trixie', 'amd64', 'checksum-mismatch', at),
    ]);
    const out = path.join(dir, 'www', 'reproducible'); // not under the root, and not there yet
    const summary = await exportJson(store, { outDir: out, trackerSuite: 'trixie', compressTimeoutMs: 60_000 });
    assert.deepEqual([summary.rows, summary.trackerPackages], [7, 5]);

    const json = asTrackerReads(path.join(out, 'reproducible.json'));
    assert.deepEqual(json.plain, [
      ['broken', 'FTBFS'],
      ['cowsay', 'reproducible'],
      ['hello', 'reproducible'],
      ['hello', 'FTBR'],
      ['hello', 'reproducible'],
      ['slow', 'timeout'],
      ['waiting', 'depwait'],
    ]);
    assert.deepEqual(json.compressed, json.plain, 'the .bz2 holds the same data');
    assert.ok(json.layoutKept, "laid out as the original's json.dump(indent=4, sort_keys=True)");
    const rows = JSON.parse(fs.readFileSync(path.join(out, 'reproducible.json'), 'utf8')) as Array<Record<string, string>>;
    assert.deepEqual(rows[0], { architecture: 'amd64', build_date: '2026-12-01 10:20', package: 'broken', status: 'FTBFS', suite: 'trixie', version: '1.0' });

    const tracker = asTrackerReads(path.join(out, 'reproducible-tracker.json'));
    assert.deepEqual(tracker.plain, [
      ['broken', 'FTBFS'],
      ['cowsay', 'reproducible'],
      ['hello', 'FTBR'],
      ['slow', 'timeout'],
      ['waiting', 'depwait'],
    ]);
    assert.deepEqual(tracker.compressed, tracker.plain);
    assert.ok(tracker.layoutKept);
    const entries = JSON.parse(fs.readFileSync(path.join(out, 'reproducible-tracker.json'), 'utf8')) as Array<Record<string, unknown>>;
    assert.deepEqual(
      entries.find((e) => e.package === 'hello'),
      {
        architecture_details: [
          { architecture: 'amd64', build_date: '2026-12-01 10:20', status: 'FTBR', version: '2.10-3' },
          { architecture: 'arm64', build_date: '2026-12-01 10:20', status: 'reproducible', version: '2.10-3' },
        ],
        package: 'hello',
        status: 'FTBR',
        suite: 'trixie',
        version: '2.10-3',
      },
    );
    const left = fs.readFileSync(path.join(out, 'reproducible.json'), 'utf8');
    for (const absent of ['foreign', 'gone', 'banned', 'tampered', 'not-for-us', 'E404', 'blacklisted', 'unreproducible']) {
      assert.ok(!left.includes(absent), `${absent} is left out`);
    }
    assert.deepEqual(fs.readdirSync(out).sort(), ['reproducible-tracker.json', 'reproducible-tracker.json.bz2', 'reproducible.json', 'reproducible.json.bz2']);
    await store.close();
  });

  it('writes an empty list, as the original does, when nothing was tested yet; and replaces an export whole', async () => {
    const dir = tempDir('export');
    const store = new FileStore(path.join(dir, 'reproducible.db'), SETTINGS);
    await store.record([result('foreign', '1.0', 'trixie', 'amd64', 'not-for-us', '2026-12-01T00:00:00.000Z')]);
    const out = path.join(dir, 'out');
    await exportJson(store, { outDir: out, trackerSuite: 'trixie', compressTimeoutMs: 60_000 });
    assert.equal(fs.readFileSync(path.join(out, 'reproducible.json'), 'utf8'), '[]');
    assert.equal(fs.readFileSync(path.join(out, 'reproducible-tracker.json'), 'utf8'), '[]');
    await store.record([result('hello', '1.0', 'trixie', 'amd64', 'reproducible', '2026-12-02T00:00:00.000Z')]);
    await exportJson(store, { outDir: out, trackerSuite: 'trixie', compressTimeoutMs: 60_000 });
    assert.equal((JSON.parse(fs.readFileSync(path.join(out, 'reproducible.json'), 'utf8')) as unknown[]).length, 1);
    await store.close();
  });

  it('leaves out an FTBFS that a note blames on the test infrastructure, as the original does, for the version the note covers', async () => {
    const dir = tempDir('export');
    const store = new FileStore(path.join(dir, 'reproducible.db'), SETTINGS);
    const at = '2026-12-01T00:00:00.000Z';
    await store.record([
      result('jenkins-broke-it', '2.0', 'trixie', 'amd64', 'FTBFS', at),
      result('jenkins-broke-it', '2.0', 'trixie', 'arm64', 'unreproducible', at),
      result('fixed-since', '1.0', 'trixie', 'amd64', 'FTBFS', at),
      result('really-broken', '1.0', 'trixie', 'amd64', 'FTBFS', at),
    ]);
    await store.write((db) =>
      replaceNotes(
        db,
        [
          { name: 'jenkins-broke-it', version: '1.0', bugs: [], issues: [INFRASTRUCTURE_ISSUES[0]!] },
          { name: 'fixed-since', version: '1.1', bugs: [], issues: [INFRASTRUCTURE_ISSUES[0]!] }, // written for a later version: says nothing of 1.0
          { name: 'really-broken', version: '1.0', bugs: [], issues: ['captures_build_path'] },
        ],
        [],
        at,
      ),
    );
    const out = path.join(dir, 'out');
    await exportJson(store, { outDir: out, trackerSuite: 'trixie', compressTimeoutMs: 60_000 });
    assert.deepEqual(asTrackerReads(path.join(out, 'reproducible.json')).plain, [
      ['fixed-since', 'FTBFS'],
      ['jenkins-broke-it', 'FTBR'],
      ['really-broken', 'FTBFS'],
    ]);
    assert.deepEqual(asTrackerReads(path.join(out, 'reproducible-tracker.json')).plain, [
      ['fixed-since', 'FTBFS'],
      ['jenkins-broke-it', 'FTBR'],
      ['really-broken', 'FTBFS'],
    ]);
    await store.close();
  });

  it('reads the rows a page at a time: a package whose rows straddle a page boundary is one tracker entry', async () => {
    const dir = tempDir('export');
    const store = new FileStore(path.join(dir, 'reproducible.db'), SETTINGS);
    const at = '2026-12-01T00:00:00.000Z';
    // 5000 rows a page: 2499 packages of two architectures, then one of three, straddling rows 4999–5001.
    const records: StoreRecord[] = [];
    for (let i = 0; i < 2499; i++) {
      const name = `pkg${String(i).padStart(5, '0')}`;
      records.push(result(name, '1.0', 'trixie', 'amd64', 'reproducible', at), result(name, '1.0', 'trixie', 'arm64', 'reproducible', at));
    }
    for (const arch of ['amd64', 'arm64', 'i386']) records.push(result('zzz', '1.0', 'trixie', arch, arch === 'i386' ? 'FTBFS' : 'reproducible', at));
    await store.record(records);
    const out = path.join(dir, 'out');
    const summary = await exportJson(store, { outDir: out, trackerSuite: 'trixie', compressTimeoutMs: 60_000 });
    assert.deepEqual([summary.rows, summary.trackerPackages], [5001, 2500]);
    const entries = JSON.parse(fs.readFileSync(path.join(out, 'reproducible-tracker.json'), 'utf8')) as Array<{
      package: string;
      status: string;
      architecture_details: unknown[];
    }>;
    const zzz = entries.filter((e) => e.package === 'zzz');
    assert.deepEqual([zzz.length, zzz[0]?.status, zzz[0]?.architecture_details.length], [1, 'FTBFS', 3]);
    await store.close();
  });
});
