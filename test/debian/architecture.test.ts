import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { architectureMatches } from '../../src/debian/architecture.js';
import { buildsOn, parseSourcesIndex } from '../../src/debian/sources-index.js';

const table = (name: string) =>
  fs
    .readFileSync(`/usr/share/dpkg/${name}`, 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.trim().split(/\s+/)[0]!);

/** Every architecture dpkg knows, and every wildcard shape: any, OS-any, any-CPU, linux-CPU, LIBC-OS-any, ABI-LIBC-OS-any. */
function candidates(): string[] {
  const arches = spawnSync('dpkg-architecture', ['-L'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  const cpus = table('cputable');
  const oses = [...new Set(table('ostable').map((t) => t.split('-').at(-1)!))];
  const libcOs = [...new Set(table('ostable').map((t) => t.split('-').slice(-2).join('-')))];
  const abiLibcOs = table('ostable');
  return [
    'any',
    ...arches,
    ...oses.map((os) => `${os}-any`),
    ...cpus.map((cpu) => `any-${cpu}`),
    ...cpus.map((cpu) => `linux-${cpu}`),
    ...libcOs.map((lo) => `${lo}-any`),
    ...abiLibcOs.map((alo) => `${alo}-any`),
    'any-any',
    'any-any-any',
    'gnu-any-any',
    'any-any-any-any',
    'no-such-arch',
  ];
}

describe("architecture wildcards, as dpkg's own code decides them", () => {
  const reals = ['amd64', 'arm64', 'armhf', 'armel', 'i386', 'ppc64el', 's390x', 'mips64el', 'riscv64', 'hurd-i386', 'musl-linux-amd64'];

  it('matches Dpkg::Arch::debarch_is for every known architecture and wildcard shape', () => {
    const names = candidates();
    const perl = spawnSync(
      'perl',
      ['-MDpkg::Arch=debarch_is', '-e', 'while (<STDIN>) { chomp; my ($r, $a) = split / /; print debarch_is($r, $a) ? "1\\n" : "0\\n" }'],
      {
        input: reals.flatMap((real) => names.map((name) => `${real} ${name}\n`)).join(''),
        encoding: 'utf8',
      },
    );
    assert.equal(perl.status, 0, perl.stderr);
    const expected = perl.stdout.trim().split('\n');
    let i = 0;
    const wrong: string[] = [];
    for (const real of reals) {
      for (const name of names) {
        const dpkg = expected[i++] === '1';
        if (architectureMatches(real, name) !== dpkg) wrong.push(`${real} ~ ${name}: dpkg says ${dpkg}`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.ok(names.length > 300, `${names.length} names compared per architecture`);
  });

  it('agrees with dpkg-architecture -i on the Architecture values seen in bookworm', () => {
    for (const wildcard of ['any', 'linux-any', 'any-amd64', 'linux-amd64', 'any-i386', 'kfreebsd-any', 'hurd-any', 'arm64', 'any-arm', 'armhf', 'musl-any']) {
      for (const arch of ['amd64', 'arm64', 'armhf', 'i386']) {
        const dpkg = spawnSync('dpkg-architecture', ['-a', arch, '-i', wildcard], { stdio: 'ignore' }).status === 0;
        assert.equal(architectureMatches(arch, wildcard), dpkg, `${arch} ~ ${wildcard}`);
      }
    }
  });

  it('catalogues linux-amd64 packages on amd64 and leaves out Extra-Source-Only stanzas', () => {
    const stanza = (name: string, version: string, arch: string, extra = '') =>
      `Package: ${name}\nVersion: ${version}\nArchitecture: ${arch}\nDirectory: pool/main/${name[0]}/${name}\n${extra}Checksums-Sha256:\n ${'a'.repeat(64)} 100 ${name}_${version}.dsc\n`;
    const records = parseSourcesIndex(
      [
        stanza('numatop', '2.2-1', 'linux-amd64 ppc64el'),
        stanza('jquery', '3.3.1~dfsg-3', 'all', 'Extra-Source-Only: yes\n'),
        stanza('jquery', '3.6.1+dfsg+~3.5.14-1', 'all'),
      ].join('\n'),
    );
    assert.deepEqual(
      records.map((r) => `${r.name} ${r.version}`),
      ['numatop 2.2-1', 'jquery 3.6.1+dfsg+~3.5.14-1'],
    );
    assert.equal(buildsOn(records[0]!, 'amd64'), true);
    assert.equal(buildsOn(records[0]!, 'arm64'), false);
    assert.equal(buildsOn(records[1]!, 'amd64'), true, 'arch:all is tested on amd64');
    assert.equal(buildsOn(records[1]!, 'arm64'), false);
  });
});
