import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { utimesSync } from 'node:fs';
import { nodePlace } from '../../src/spool/layout.js';
import { SPOOL_MARKER, readSpoolRole } from '../../src/spool/root.js';
import { census, cli, fromJson, id, tempDir, writeEntry } from '../helpers/spool.js';
import { Layout } from '../../src/spool/layout.js';

/** A fresh root made a spool by `init` itself, as an operator does. */
function initialised(label: string, ...args: string[]) {
  const root = path.join(tempDir(label), 'root');
  const result = cli(root, ['--json', 'init', ...args]);
  assert.equal(result.status, 0, result.stderr);
  return { root, layout: new Layout(root), result };
}

describe("a spool's recorded role", () => {
  it('is written by init (main, or the node of --node) and read back; init again is idempotent, another role exit 2', () => {
    const main = initialised('role-main');
    assert.deepEqual(readSpoolRole(main.root), { kind: 'main' });
    assert.equal(fromJson(main.result.stdout).role, 'main');
    const node = initialised('role-node', '--node', 'node1');
    assert.deepEqual(readSpoolRole(node.root), { kind: 'node', node: 'node1' });
    assert.match(fs.readFileSync(path.join(node.root, SPOOL_MARKER), 'utf8'), /^Format: 1\nCreated: .*\nRole: node node1\n$/);
    assert.equal(cli(node.root, ['init', '--node', 'node1']).status, 0, 'idempotent');
    for (const args of [['init'], ['init', '--node', 'node2']]) {
      const refused = cli(node.root, args);
      assert.equal(refused.status, 2);
      assert.match(refused.stderr, /is the spool of node node1 \(its repro-spool-root says so\), not of (main|node node2)/);
    }
  });

  it("makes reap on a node's spool without --node treat node1/ as its inbox: an unclaimed entry is never moved to scheduled/", () => {
    const { root, layout } = initialised('role-reap', '--node', 'node1');
    const file = writeEntry(layout, nodePlace('node1'), id('hello'));
    const old = new Date(Date.now() - 3600_000);
    utimesSync(file, old, old); // unlocked for an hour: on main, a lost outbox entry
    const reaped = cli(root, ['--json', 'reap']);
    assert.equal(reaped.status, 0, reaped.stderr);
    assert.deepEqual([...census(layout).entries.values()], [['node1']], 'still waiting in the inbox');
    assert.equal(fs.existsSync(path.join(root, 'reproducible-builds/scheduled')), false, 'a node has no scheduled/');
  });

  it('refuses a --node (or REPRO_SPOOL_NODE) that contradicts the role with exit 2, naming both', () => {
    const node = initialised('role-contradiction', '--node', 'node1');
    const wrong = cli(node.root, ['reap', '--node', 'node2']);
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /is the spool of node node1 \(its repro-spool-root says so\), but --node says "node2"/);
    const byEnv = cli(node.root, ['reap'], { REPRO_SPOOL_NODE: 'node3' });
    assert.equal(byEnv.status, 2);
    assert.match(byEnv.stderr, /but REPRO_SPOOL_NODE says "node3"/);
    const main = initialised('role-main-node');
    const onMain = cli(main.root, ['claim', '--node', 'node1']);
    assert.equal(onMain.status, 2);
    assert.match(onMain.stderr, /is the spool of main .* but --node says "node1"/);
  });
});
