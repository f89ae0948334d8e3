import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { buildProgram } from '../../src/cli/main.js';
import { PENDING, SCHEDULED, nodePlace } from '../../src/spool/layout.js';
import { spawnSync } from 'node:child_process';
import { CLI, SHA, cli, id, sandbox, writeEntry } from '../helpers/spool.js';
import { fromJson } from '../helpers/spool.js';

describe('the command line', () => {
  it('gives every command --help with at least one example', () => {
    const s = sandbox('help');
    const leaves = (command: Command, path: string[]): string[][] =>
      command.commands.length === 0 ? [path] : command.commands.flatMap((c) => leaves(c, [...path, c.name()]));
    for (const command of leaves(buildProgram(), [])) {
      const help = cli(s.root, [...command, '--help']);
      assert.equal(help.status, 0, command.join(' '));
      assert.match(help.stdout, /Examples:\n {2}\$ repro-spool /, `${command.join(' ')} --help shows an example`);
    }
    assert.match(cli(s.root, ['--help']).stdout, /Exit codes:\n {2}0 {2}ok/);
  });

  it('prints only JSON on stdout with --json, for results and for errors alike', () => {
    const s = sandbox('json');
    writeEntry(s.layout, SCHEDULED, id('hello'));
    writeEntry(s.layout, PENDING, id('world'));
    for (const args of [
      ['status'],
      ['ls'],
      ['ls', '--state', 'pending'],
      ['show', 'hello'],
      ['reap', '--dry-run'],
      ['reap'],
      ['claim', '--node', 'node1'],
      ['enqueue', 'x;y', '1', '--suite', 'b', '--arch', 'a', '--dsc-sha256', SHA],
    ]) {
      const result = cli(s.root, ['--json', ...args]);
      assert.doesNotThrow(() => JSON.parse(result.stdout), `${args.join(' ')} printed: ${result.stdout}`);
    }
    const error = fromJson<{ error: { kind: string; exitCode: number } }>(cli(s.root, ['--json', 'claim', '--node', 'node1']).stdout);
    assert.deepEqual(error.error.kind, 'nothingToDo');
    assert.equal(error.error.exitCode, 3);
  });

  it('shows a person the counts per state and node, and the age of the oldest pending build', () => {
    const s = sandbox('status');
    writeEntry(s.layout, SCHEDULED, id('aa'));
    writeEntry(s.layout, SCHEDULED, id('bb'));
    writeEntry(s.layout, PENDING, id('cc'));
    writeEntry(s.layout, { state: 'node', node: 'node2' }, id('dd'));
    const status = cli(s.root, ['status']);
    assert.equal(status.status, 0);
    assert.match(status.stdout, /^ {2}scheduled {3}2$/m);
    assert.match(status.stdout, /^ {2}node2\/ {6}1$/m);
    assert.match(status.stdout, /^ {2}pending {5}1 {2}oldest \d+s$/m);
    const listing = cli(s.root, ['ls', '--state', 'scheduled']).stdout;
    assert.match(listing, /^STATE +SUITE +ARCH +PACKAGE +VERSION\nscheduled +bookworm +amd64 +aa +1\.0-1\nscheduled .* bb /);
  });

  it('answers --version with the version and nothing else', () => {
    const s = sandbox('version');
    const result = cli(s.root, ['--version']);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^\d+\.\d+\.\d+\n$/);
  });
});

describe('the command line in a pipe', () => {
  it('exits quietly when the reader closes the pipe early (repro-spool ls | head -1)', () => {
    const s = sandbox('pipe');
    for (let i = 0; i < 3000; i++) writeEntry(s.layout, SCHEDULED, id(`pkg${i}`));
    const result = spawnSync('sh', ['-c', `node ${JSON.stringify(CLI)} --root ${JSON.stringify(s.root)} ls | head -1; exit \${PIPESTATUS:-0}`], {
      encoding: 'utf8',
    });
    assert.equal(result.stdout, 'STATE      SUITE     ARCH   PACKAGE  VERSION\n');
    assert.doesNotMatch(result.stderr, /EPIPE|Error/);
  });

  it('refuses an unknown --state of ls with exit 2 instead of an empty listing; a node present in the spool is a state', () => {
    const s = sandbox('ls-state');
    writeEntry(s.layout, nodePlace('node7'), id('hello'));
    const bogus = cli(s.root, ['ls', '--state', 'bogus']);
    assert.equal(bogus.status, 2);
    assert.match(bogus.stderr, /unknown --state "bogus": expected scheduled, pending, failed, or a node: node7/);
    assert.match(cli(s.root, ['ls', '--state', 'node7']).stdout, /^node7 +bookworm +amd64 +hello/m);
  });

  it("answers a mistyped command with the error and its suggestion alone, and lists the global options in every command's help", () => {
    const typo = spawnSync(process.execPath, [CLI, 'statsu'], { encoding: 'utf8' });
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /unknown command 'statsu'\n\(Did you mean status\?\)/);
    assert.ok(typo.stderr.split('\n').length <= 4, `a short answer: ${typo.stderr}`);
    const help = spawnSync(process.execPath, [CLI, 'ls', '--help'], { encoding: 'utf8' });
    for (const option of ['--root <dir>', '--config <file>', '--json']) assert.ok(help.stdout.includes(option), `ls --help lists ${option}`);
  });
});
