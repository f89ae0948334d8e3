import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, it } from 'node:test';
import { entryId } from '../../src/spool/identity.js';
import { nodePlace } from '../../src/spool/layout.js';
import { SPOOL_MARKER } from '../../src/spool/root.js';
import { STACK_TRACE } from '../helpers/random.js';
import { SHA, cli, census, id, sandbox, writeEntry } from '../helpers/spool.js';
import { enqueueArgs } from '../helpers/spool.js';
import { fromJson } from '../helpers/spool.js';
import { generatedSources } from '../helpers/sources.js';

/** ESC and BEL: what a terminal acts on. */
// eslint-disable-next-line no-control-regex -- looking for control characters is the point
const RAW_CONTROL = /[\u001b\u0007]/;

const HOSTILE = [
  '..',
  '../../etc',
  '/etc/passwd',
  'a/b',
  'x;touch PWNED',
  '$(touch PWNED)',
  '`touch PWNED`',
  'with space',
  'new\nline',
  'pkgé',
  'ünïcode',
  'x'.repeat(300),
  '-rf',
  "it's",
];

/** Nothing but the untouched root and canary may exist in the sandbox afterwards. */
function assertNothingTouched(s: ReturnType<typeof sandbox>): void {
  assert.equal(fs.readFileSync(s.canary, 'utf8'), 'untouched\n');
  assert.deepEqual(fs.readdirSync(s.dir).sort(), ['CANARY', 'root']);
  assert.deepEqual(fs.readdirSync(s.root), [SPOOL_MARKER], 'not even a directory was created in the spool');
}

describe('hostile input on the command line', () => {
  it('refuses every hostile package, version, suite, architecture and node with exit 2, naming the value', () => {
    const s = sandbox('hostile');
    const base = { pkg: 'hello', version: '1.0-1', suite: 'bookworm', arch: 'amd64', node: 'node1' };
    for (const value of HOSTILE) {
      for (const field of ['pkg', 'version', 'suite', 'arch', 'node'] as const) {
        const a = { ...base, [field]: value };
        const result = cli(s.root, ['enqueue', '--node', a.node, '--suite', a.suite, '--arch', a.arch, '--dsc-sha256', SHA, '--', a.pkg, a.version], {});
        assert.equal(result.status, 2, `${field}=${JSON.stringify(value)}: ${result.stderr}`);
        assert.ok(result.stderr.includes(JSON.stringify(value)), `the message names ${JSON.stringify(value)}: ${result.stderr}`);
        assert.match(result.stderr, /expected/);
      }
    }
    for (const args of [
      ['ls', '--state', '../x'],
      ['show', '../x'],
      ['claim', '--node', '$(id)'],
      ['show', 'hello', '1.0;id'],
    ]) {
      assert.equal(cli(s.root, args).status, 2, args.join(' '));
    }
    assertNothingTouched(s);
    assert.equal(fs.existsSync(path.join(process.cwd(), 'PWNED')), false);
  });

  it('never lets terminal escapes from an entry or an argument reach a terminal: such entries are corrupt, such arguments refused', () => {
    const s = sandbox('escapes');
    const osc = '\u001b]0;pwned\u0007\u001b[2J';
    const file = writeEntry(s.layout, nodePlace('node1'), id('hello'), { Job: `job${osc}` });
    const shown = cli(s.root, ['show', 'hello']);
    assert.equal(RAW_CONTROL.test(shown.stdout + shown.stderr), false, `no raw control character printed: ${JSON.stringify(shown.stdout)}`);
    assert.match(shown.stdout, /CORRUPT: Job holds a control character/);
    const reaped = JSON.parse(cli(s.root, ['--json', 'reap']).stdout) as { actions: Array<{ action: string; path: string }> };
    assert.ok(
      reaped.actions.some((a) => a.action === 'quarantine' && file.endsWith(a.path)),
      'the reaper quarantines it',
    );
    writeEntry(s.layout, nodePlace('node1'), id('world'));
    const requeued = cli(s.root, ['requeue', 'world', '1.0-1', '--suite', 'bookworm', '--arch', 'amd64', '--reason', `bad${osc}`]);
    assert.equal(requeued.status, 2);
    assert.equal(RAW_CONTROL.test(requeued.stderr), false);
    assert.match(requeued.stderr, /invalid --reason .*control characters are not allowed/);
  });

  it('refuses a --root below a regular file with exit 2 naming it, not a stack trace', () => {
    const s = sandbox('root-below-file');
    const below = path.join(s.canary, 'root');
    for (const args of [['status'], ['reap'], ['ls'], ['info']]) {
      const result = cli(below, args);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /spool root ".*CANARY\/root" lies below ".*CANARY", which is not a directory/);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  it('refuses NUL bytes, which can only arrive through files (argv cannot carry them)', () => {
    assert.throws(() => entryId('bookworm', 'amd64', 'he\0llo', '1.0'), /invalid source package name "he\\u0000llo"/);
    const s = sandbox('nul');
    const config = path.join(s.dir, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ node: 'node\u0000one' }));
    const result = cli(s.root, ['--config', config, 'claim']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /node = "node\\u0000one"/);
    fs.rmSync(config);
    assertNothingTouched(s);
  });

  it('never follows a symlinked entry or directory planted in the spool, and reap quarantines them', () => {
    const s = sandbox('symlinks');
    const outside = path.join(s.dir, 'outside');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, '1.0-1'), 'Source: evil\n');
    writeEntry(s.layout, nodePlace('node1'), id('good'));
    const pkgDir = path.dirname(path.dirname(s.layout.entryPath(nodePlace('node1'), id('good'))));
    fs.symlinkSync(outside, path.join(pkgDir, 'evil'));
    fs.mkdirSync(path.join(pkgDir, 'linked'));
    fs.symlinkSync(s.canary, path.join(pkgDir, 'linked', '1.0-1'));

    const claimed = cli(s.root, ['--json', 'claim', '--node', 'node1', '--max', '10']);
    assert.deepEqual(
      fromJson<Array<{ pkg: string }>>(claimed.stdout).map((c) => c.pkg),
      ['good'],
      'only the real entry is claimed',
    );
    const reaped = JSON.parse(cli(s.root, ['--json', 'reap']).stdout) as { actions: Array<{ action: string; path: string }> };
    assert.deepEqual(
      reaped.actions
        .filter((a) => a.action === 'quarantine')
        .map((a) => a.path)
        .sort(),
      ['reproducible-builds/node1/bookworm/amd64/evil', 'reproducible-builds/node1/bookworm/amd64/linked/1.0-1'],
    );
    assert.equal(fs.readFileSync(s.canary, 'utf8'), 'untouched\n');
    assert.deepEqual(fs.readdirSync(outside), ['1.0-1']);
    assert.equal(fs.readFileSync(path.join(outside, '1.0-1'), 'utf8'), 'Source: evil\n');
  });

  it('refuses to write through a state directory replaced by a symlink (exit 2), and loses nothing', () => {
    const s = sandbox('symlinked-state');
    const outside = path.join(s.dir, 'outside');
    fs.mkdirSync(outside);
    writeEntry(s.layout, nodePlace('node1'), id('hello'));
    fs.mkdirSync(s.layout.buildsDir, { recursive: true });
    fs.symlinkSync(outside, path.join(s.layout.buildsDir, 'pending'));
    const result = cli(s.root, ['claim', '--node', 'node1']);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /refusing to write through ".*reproducible-builds\/pending": it is a symlink/);
    assert.deepEqual(fs.readdirSync(outside), [], 'nothing written outside the root');
    assert.deepEqual([...census(s.layout).entries], [['bookworm/amd64/hello_1.0-1', ['node1']]]);
  });
});

describe('a full disk', () => {
  it('gives a clear error and loses nothing: no partial entry, no temp left', (t) => {
    const s = sandbox('full');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', s.root], { stdio: 'ignore' });
    } catch (error) {
      t.skip(`cannot mount a tmpfs here (needs root): ${(error as Error).message}`);
      return;
    }
    try {
      assert.equal(cli(s.root, ['init']).status, 0, "the tmpfs hides the sandbox's marker");
      assert.equal(cli(s.root, enqueueArgs('first', '1.0', SHA)).status, 0);
      const filler = path.join(s.root, 'filler');
      const dd = spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k'], { encoding: 'utf8' });
      assert.match(dd.stderr, /No space left on device/, 'the disk is now full');
      const result = cli(s.root, enqueueArgs('second', '1.0', SHA, { fields: [`X-Pad=${'p'.repeat(4000)}`] }));
      assert.equal(result.status, 1);
      assert.match(result.stderr, /disk full: ENOSPC/);
      const after = census(s.layout);
      assert.deepEqual([...after.entries], [['bookworm/amd64/first_1.0', ['scheduled']]]);
      assert.deepEqual(after.temps, []);
      fs.rmSync(filler);
      assert.equal(
        cli(s.root, ['enqueue', 'second', '1.0', '--suite', 'bookworm', '--arch', 'amd64', '--dsc-sha256', SHA]).status,
        0,
        'works again once space is freed',
      );
    } finally {
      execFileSync('umount', [s.root]);
    }
  });
});

describe('broken roots and databases, every command', () => {
  const entry = ['--suite', 'bookworm', '--arch', 'amd64', 'hello', '1.0-1'];
  const COMMANDS: string[][] = [
    ['status'],
    ['ls'],
    ['show', 'hello'],
    ['reap'],
    ['dashboard'],
    ['schedule', '--suite', 'bookworm', '--arch', 'amd64', 'hello'],
    ['info'],
    ['enqueue', '--node', 'node1', '--dsc-sha256', SHA, ...entry],
    ['pick', '--node', 'node1', '--suite', 'bookworm', '--arch', 'amd64'],
    ['claim', '--node', 'node1'],
    ['complete', ...entry],
    ['requeue', ...entry],
    ['forget', ...entry],
    ['chroot', 'ls'],
    ['jobs', 'render', '--format', 'cron'],
  ];
  const DOCUMENTED = new Set([0, 1, 2, 3, 4, 5, 6]);

  it('names a root below a regular file with exit 2, for every command', () => {
    const dir = fs.mkdtempSync(path.join(sandbox('file-root').dir, 'x'));
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'not a spool\n');
    for (const args of COMMANDS) {
      const result = cli(path.join(file, 'spool'), args);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.ok(result.stderr.includes(file), `${args[0]} names the path: ${result.stderr}`);
      assert.doesNotMatch(result.stderr, STACK_TRACE, args.join(' '));
    }
  });

  it('calls a truncated reproducible.db an integrity error (exit 5) naming it, and prints no stack from any command', () => {
    const s = sandbox('truncated-db');
    const db = path.join(s.root, 'reproducible.db');
    fs.writeFileSync(db, Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4000, 7)]));
    for (const args of COMMANDS) {
      const result = cli(s.root, args);
      assert.ok(DOCUMENTED.has(result.status ?? -1), `${args.join(' ')} exits with a documented code, not ${result.status}: ${result.stderr}`);
      assert.doesNotMatch(result.stderr, STACK_TRACE, `${args.join(' ')} prints no stack trace`);
    }
    for (const args of [['show', 'hello'], ['dashboard'], ['schedule', '--suite', 'bookworm', '--arch', 'amd64', 'hello']]) {
      const result = cli(s.root, args);
      assert.equal(result.status, 5, `${args.join(' ')}: ${result.stderr}`);
      assert.ok(result.stderr.includes(`${db} is not a readable SQLite database`), result.stderr);
    }
  });

  it('refuses a root that is not a spool (mistyped in a crontab) with exit 2, for every command but init and the local build', () => {
    const dir = sandbox('no-spool').dir;
    for (const root of [path.join(dir, 'mistyped'), dir]) {
      for (const args of COMMANDS.filter((c) => !['info', 'forget', 'jobs', 'chroot'].includes(c[0]!))) {
        const result = cli(root, args);
        assert.equal(result.status, 2, `${args.join(' ')} on ${root}: ${result.stderr}`);
        assert.ok(result.stderr.includes(JSON.stringify(root)) && result.stderr.includes('init'), `names the root and the way out: ${result.stderr}`);
      }
    }
    assert.equal(fs.existsSync(path.join(dir, 'mistyped')), false, 'nothing was created');
    const made = cli(path.join(dir, 'new'), ['--json', 'init']);
    assert.equal(made.status, 0, made.stderr);
    assert.equal(fromJson(made.stdout).created, true);
    assert.equal(fromJson(cli(path.join(dir, 'new'), ['--json', 'init']).stdout).created, false, 'idempotent');
    assert.equal(cli(path.join(dir, 'new'), ['status']).status, 0);
  });

  it('reports an unreadable database record in status', () => {
    const s = sandbox('journal-quarantine');
    const quarantine = path.join(s.root, 'reproducible.db.journal', 'quarantine');
    fs.mkdirSync(quarantine, { recursive: true });
    fs.writeFileSync(path.join(quarantine, 'j-000000000000001-1-deadbeef.json'), '{"kind"');
    fs.writeFileSync(path.join(quarantine, 'j-000000000000001-1-deadbeef.json.reason'), '2026-11-30T00:00:00.000Z not JSON\n');
    const human = cli(s.root, ['status']);
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /db records +1 unreadable, quarantined/);
    assert.match(human.stdout, /unreadable db record: .*j-000000000000001-1-deadbeef\.json \(2026-11-30T00:00:00.000Z not JSON\)/);
    const json = JSON.parse(cli(s.root, ['--json', 'status']).stdout) as { journalQuarantine: Array<{ reason: string }> };
    assert.equal(json.journalQuarantine[0]?.reason, '2026-11-30T00:00:00.000Z not JSON');
  });
});

describe('a hostile Sources index', () => {
  it('imports the good stanzas and reports each refused one by line (traversal, hostile names), exit 0', () => {
    const s = sandbox('hostile-index');
    const index = path.join(s.dir, 'Sources');
    fs.writeFileSync(
      index,
      [
        generatedSources(2),
        generatedSources(1).replace(/^Package: \S+$/m, 'Package: $(touch PWNED)'),
        generatedSources(1).replace(/^Directory: \S+$/m, 'Directory: pool/../../../etc'),
      ].join('\n'),
    );
    const result = cli(s.root, ['--json', 'sources', 'import', '--suite', 'bookworm', '--arch', 'amd64', '--index', index]);
    assert.equal(result.status, 0, result.stderr);
    const [report] = fromJson<Array<{ added: number; rejectedStanzas: number }>>(result.stdout);
    assert.deepEqual([report!.added, report!.rejectedStanzas], [2, 2]);
    assert.match(result.stderr, /refused a stanza of the Sources index: line \d+: invalid Package\/Version "\$\(touch PWNED\) /);
    assert.match(result.stderr, /refused a stanza of the Sources index: line \d+: unsafe Directory "pool\/\.\.\/\.\.\/\.\.\/etc"/);
    assert.equal(fs.existsSync(path.join(s.root, 'PWNED')), false);
  });

  it('refuses a gzip bomb with exit 2 before it fills memory, and binary junk too, without a stack trace', () => {
    const s = sandbox('index-bomb');
    const bomb = path.join(s.dir, 'Sources.gz');
    // 300 MiB of zeros in about 300 KiB: past the 256 MiB a Sources index may decompress to.
    const out = fs.openSync(bomb, 'w');
    const gzip = zlib.gzipSync(Buffer.alloc(300 * 1024 * 1024), { level: 9 });
    fs.writeSync(out, gzip);
    fs.closeSync(out);
    const result = cli(s.root, ['sources', 'import', '--suite', 'bookworm', '--arch', 'amd64', '--index', bomb]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /the index decompresses to more than 268435456 bytes: refused as not an index/);
    const junk = path.join(s.dir, 'junk.gz');
    fs.writeFileSync(junk, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(64, 7)]));
    const broken = cli(s.root, ['sources', 'import', '--suite', 'bookworm', '--arch', 'amd64', '--index', junk]);
    assert.equal(broken.status, 2, broken.stderr);
    assert.match(broken.stderr, /the index is not valid gzip/);
    for (const r of [result, broken]) assert.doesNotMatch(r.stderr, STACK_TRACE);
  });
});
