import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseInfo } from '../../src/node-info/info.js';
import { PENDING, nodePlace } from '../../src/spool/layout.js';
import { cli, id, sandbox, writeEntry } from '../helpers/spool.js';
import { fromJson } from '../helpers/spool.js';

describe('repro-spool info', () => {
  it('prints the facts the dashboard compares between nodes as key=value lines, which parse back', () => {
    const s = sandbox('info');
    const result = cli(s.root, ['info']);
    assert.equal(result.status, 0, result.stderr);
    const info = parseInfo(result.stdout);
    for (const key of ['ARCH', 'NUM_CPU', 'CPU_MODEL', 'DATETIME', 'KERNEL', 'TZ', 'LANG', 'HOSTNAME', 'DISTRIBUTION', 'DPKG_VERSION']) {
      assert.ok(key in info, `${key} is reported`);
    }
    assert.match(info.NUM_CPU!, /^[1-9][0-9]*$/);
    assert.ok(Math.abs(Date.parse(info.DATETIME!) - Date.now()) < 60_000);
    assert.deepEqual(fromJson(cli(s.root, ['--json', 'info']).stdout).ARCH, info.ARCH);
  });

  it("reports the node's own queue for main's dashboard: inbox, pending, stale, oldest pending", () => {
    const s = sandbox('info-queue');
    writeEntry(s.layout, nodePlace('node1'), id('hello'));
    writeEntry(s.layout, nodePlace('node1'), id('world'));
    writeEntry(s.layout, PENDING, id('busy'));
    const info = parseInfo(cli(s.root, ['info']).stdout);
    assert.deepEqual([info.SPOOL_INBOX, info.SPOOL_PENDING, info.SPOOL_STALE], ['2', '1', '0']);
    assert.match(info.SPOOL_OLDEST_PENDING_SECONDS!, /^[0-9]+$/);
  });
});

describe('repro-spool info about building', () => {
  it('reports the builder, the clock mode and each base chroot with when it was made, for the dashboard to set side by side', () => {
    const s = sandbox('info-chroots');
    fs.mkdirSync(path.join(s.root, 'chroots'));
    fs.writeFileSync(path.join(s.root, 'chroots', 'bookworm_amd64.tar'), 'x'.repeat(2_000_000));
    fs.writeFileSync(path.join(s.root, 'chroots', 'not-a-chroot.tar'), '');
    const made = new Date('2026-11-01T03:17:00Z');
    fs.utimesSync(path.join(s.root, 'chroots', 'bookworm_amd64.tar'), made, made);
    const config = path.join(s.dir, 'node.json');
    fs.writeFileSync(config, JSON.stringify({ clock: 'node' }));
    const info = parseInfo(cli(s.root, ['--config', config, 'info']).stdout);
    assert.deepEqual([info.BUILDER, info.CLOCK_MODE, info.CHROOT_BOOKWORM_AMD64], ['sbuild', 'node', '2026-11-01T03:17:00.000Z 2 MB']);
    assert.equal(Object.keys(info).filter((k) => k.startsWith('CHROOT_')).length, 1, 'only tarballs named SUITE_ARCH.tar are chroots');
  });
});
