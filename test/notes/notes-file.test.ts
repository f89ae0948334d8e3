import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpoolError } from '../../src/errors.js';
import { checkIssuesDefined, parseIssuesFile, parsePackagesFile } from '../../src/notes/notes-file.js';
import { INFRASTRUCTURE_ISSUES, isInfrastructureFailure, noteApplies } from '../../src/notes/applies.js';

/** As the reproducible-notes repository writes them. */
const PACKAGES = `0ad:
  version: 0.0.26-3
  issues:
  - randomness_in_binaries_generated_by_ocamlopt
  bugs:
  - 1001234
  comments: |
    Build path in the .o files.
    See the issue.
mesa:
  version: 1.10
  comments: "quoted text"
nover:
  issues:
  - captures_build_path
`;
const ISSUES = `captures_build_path:
  description: |
    The build path ends up in the output.
  url: https://example.org/docs/build-path/
randomness_in_binaries_generated_by_ocamlopt:
  description: ocamlopt output is not deterministic.
`;

function refused(run: () => unknown, message: RegExp): void {
  assert.throws(run, (error: unknown) => error instanceof SpoolError && error.kind === 'usage' && message.test(error.message));
}

describe('the notes files', () => {
  it('read as the notes repository writes them, versions as written (1.10 is not the number 1.1)', () => {
    const notes = parsePackagesFile('packages.yml', PACKAGES);
    assert.deepEqual(
      notes.map((n) => [n.name, n.version, n.bugs, n.issues, n.line]),
      [
        ['0ad', '0.0.26-3', [1001234], ['randomness_in_binaries_generated_by_ocamlopt'], 1],
        ['mesa', '1.10', [], [], 10],
        ['nover', undefined, [], ['captures_build_path'], 13],
      ],
    );
    assert.equal(notes[0]!.comments, 'Build path in the .o files.\nSee the issue.\n');
    assert.equal(notes[1]!.comments, 'quoted text');
    const issues = parseIssuesFile('issues.yml', ISSUES);
    assert.deepEqual(
      issues.map((i) => [i.name, i.url]),
      [
        ['captures_build_path', 'https://example.org/docs/build-path/'],
        ['randomness_in_binaries_generated_by_ocamlopt', undefined],
      ],
    );
    checkIssuesDefined('packages.yml', notes, 'issues.yml', issues);
  });

  it('refuse what is not the documented shape, naming the file, the line and the value', () => {
    refused(
      () => parsePackagesFile('packages.yml', 'hello:\n  version: 2.10-3\n  bugs:\n  - 12\n  - twelve\n'),
      /^packages\.yml:5: hello: bugs: "twelve": expected a Debian bug number$/,
    );
    refused(
      () => parsePackagesFile('packages.yml', 'hello:\n  version: 2.10-3\n  bug: [12]\n'),
      /^packages\.yml:3: hello: unknown key "bug": expected one of version, comments, bugs, issues$/,
    );
    refused(() => parsePackagesFile('packages.yml', 'hello:\n  version: "2.10 3"\n'), /^packages\.yml:2: hello: version "2\.10 3": expected a Debian version$/);
    refused(() => parsePackagesFile('packages.yml', '../etc:\n  version: 1\n'), /^packages\.yml:1: "\.\.\/etc": expected a Debian source package name$/);
    refused(() => parsePackagesFile('packages.yml', 'hello:\n  issues: [a b]\n'), /^packages\.yml:2: hello: issues: "a b": expected an issue name$/);
    refused(
      () => parsePackagesFile('packages.yml', 'hello:\n  version: 1\nhello:\n  version: 2\n'),
      /^packages\.yml:3: not valid YAML: Map keys must be unique/,
    );
    refused(() => parsePackagesFile('packages.yml', 'hello:\n  issues: [\n'), /^packages\.yml:\d+: not valid YAML/);
    refused(() => parsePackagesFile('packages.yml', '- hello\n'), /^packages\.yml:1: expected a mapping of names at the top level$/);
    refused(() => parseIssuesFile('issues.yml', 'x:\n  url: https://example.org/\n'), /^issues\.yml:1: x: expected a description$/);
    refused(
      () => parseIssuesFile('issues.yml', 'x:\n  description: d\n  url: javascript:alert(1)\n'),
      /^issues\.yml:3: x: url "javascript:alert\(1\)": expected an http/,
    );
    const notes = parsePackagesFile('packages.yml', 'hello:\n  version: 1\n\nworld:\n  issues: [nowhere]\n');
    refused(() => checkIssuesDefined('packages.yml', notes, 'issues.yml', []), /^packages\.yml:4: world: issue "nowhere" is not defined in issues\.yml$/);
  });

  it('apply from their version on, and blame an FTBFS on the infrastructure only when tagged so', () => {
    assert.equal(noteApplies({ version: '1.0-1' }, '1.0-2'), true);
    assert.equal(noteApplies({ version: '1.0-1' }, '1.0-1'), true);
    assert.equal(noteApplies({ version: '2:1.0' }, '1:9.0'), false);
    assert.equal(noteApplies({}, '0.1'), true);
    const infra = { version: '1.0', issues: [INFRASTRUCTURE_ISSUES[0]!] };
    assert.equal(isInfrastructureFailure('FTBFS', '1.0', infra), true);
    assert.equal(isInfrastructureFailure('unreproducible', '1.0', infra), false);
    assert.equal(isInfrastructureFailure('FTBFS', '0.9', infra), false, 'a note for a later version says nothing of this one');
    assert.equal(isInfrastructureFailure('FTBFS', '1.0', { issues: ['captures_build_path'] }), false);
  });
});
