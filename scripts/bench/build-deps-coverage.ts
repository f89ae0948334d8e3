/**
 * Coverage of the base chroot: for a random sample of the suite's source packages (of
 * this architecture), does apt inside a copy of the chroot find their build
 * dependencies (`apt-get -s satisfy`, what sbuild's resolver does before a build)? Read
 * beside two references on the same sample, in the same run: what the archive itself can
 * build (dose-builddebcheck over the chroot's own package lists, Debian's buildd check),
 * and what this host's installed packages satisfy (dpkg-checkbuilddeps: the old builder).
 * Aim: the chroot resolves every package the archive can build.
 * Usage: node --import tsx scripts/bench/build-deps-coverage.ts [SAMPLE] [SEED]   (as root: it chroots)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { testChroot } from '../../test/helpers/chroot.js';
import { DOWNLOAD } from './real-package.js';
import { mirrorFromApt, readAptSources } from '../../src/debian/apt-sources.js';
import { download } from '../../src/fetch/download.js';
import { type SourceRecord, buildsOn, readIndexText } from '../../src/debian/sources-index.js';
import { parseStanzas } from '../../src/debian/deb822.js';

const SAMPLE = Number(process.argv[2] ?? 200);
let seed = Number(process.argv[3] ?? 42);
const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
const work = fs.mkdtempSync(path.join('/dev/shm', 'bench-coverage-'));
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

const upstream = mirrorFromApt(readAptSources(), 'bookworm');
if (!upstream) throw new Error('no mirror in the apt sources');
const index = path.join(work, 'Sources.xz');
if ((await download(`${upstream}/dists/bookworm/main/source/Sources.xz`, index, DOWNLOAD)).status !== 'ok') throw new Error('cannot fetch the Sources index');
const stanzas = parseStanzas(readIndexText(fs.readFileSync(index))).filter(
  (s) => !s.get('Extra-Source-Only') && buildsOn({ architectures: (s.get('Architecture') ?? '').split(/\s+/) } as unknown as SourceRecord, arch),
);
const sample = new Set<number>();
while (sample.size < Math.min(SAMPLE, stanzas.length)) sample.add(Math.floor(random() * stanzas.length));
const chosen = [...sample].map((i) => stanzas[i]!);
const relations = (s: (typeof chosen)[number]) =>
  ['Build-Depends', 'Build-Depends-Arch', 'Build-Depends-Indep']
    .map((f) => s.get(f)?.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join(', ');

// A throw-away copy of the chroot, as each build gets one.
const root = path.join(work, 'chroot');
fs.mkdirSync(root);
execFileSync('tar', ['-C', root, '-xf', path.join(await testChroot(arch), `bookworm_${arch}.tar`)]);
fs.copyFileSync('/etc/resolv.conf', path.join(root, 'etc/resolv.conf'));
execFileSync('chroot', [root, 'apt-get', '-q', 'update'], { stdio: 'ignore' });

const started = performance.now();
const inChroot = chosen.map((s) => spawnSync('chroot', [root, 'apt-get', '-s', '-q', 'satisfy', relations(s) || 'build-essential'], { encoding: 'utf8' }));
const chrootSeconds = (performance.now() - started) / 1000;

// dose-builddebcheck: the same question over the archive's package lists, without apt's resolver.
fs.writeFileSync(path.join(work, 'Sources'), chosen.map((s) => s.toString()).join('\n'));
const lists = path.join(root, 'var/lib/apt/lists');
const packages = fs
  .readdirSync(lists)
  .filter((f) => f.endsWith(`_binary-${arch}_Packages`))
  .map((f) => path.join(lists, f));
const dose = spawnSync('dose-builddebcheck', ['--deb-native-arch', arch, '-e', '-f', ...packages, path.join(work, 'Sources')], {
  encoding: 'utf8',
  maxBuffer: 1 << 28,
});
const broken = new Set(
  [...dose.stdout.matchAll(/^ {2}package: src:(\S+)$|^ +package: (\S+)\n +version: \S+\n +architecture: \S+\n +type: src/gm)].map((m) => m[1] ?? m[2]!),
);

// The old builder: what this host happens to have installed.
const control = path.join(work, 'control');
fs.writeFileSync(control, 'Source: probe\n\nPackage: probe\nArchitecture: any\n');
const onHost = chosen.map((s) => spawnSync('dpkg-checkbuilddeps', ['-d', relations(s) || 'build-essential', control], { encoding: 'utf8' }).status === 0);

const chrootOk = inChroot.filter((r) => r.status === 0).length;
const archiveOk = chosen.filter((s) => !broken.has(s.get('Package')!)).length;
console.log(`\nbuild dependencies of ${chosen.length} random bookworm main sources buildable on ${arch} (seed ${process.argv[3] ?? 42}):`);
console.log(
  `  resolved by apt in a copy of the base chroot: ${chrootOk} (${((100 * chrootOk) / chosen.length).toFixed(1)}%), ${(chrootSeconds / chosen.length).toFixed(2)} s each`,
);
console.log(`  installable in the archive (dose-builddebcheck):  ${archiveOk} (${((100 * archiveOk) / chosen.length).toFixed(1)}%)`);
console.log(
  `  already satisfied on this host (the old builder): ${onHost.filter(Boolean).length} (${((100 * onHost.filter(Boolean).length) / chosen.length).toFixed(1)}%)`,
);
chosen.forEach((s, i) => {
  const chrootSays = inChroot[i]!.status === 0;
  const archiveSays = !broken.has(s.get('Package')!);
  if (!chrootSays || !archiveSays) {
    const reason = /Depends: .*$/m.exec(inChroot[i]!.stdout + inChroot[i]!.stderr)?.[0] ?? inChroot[i]!.stderr.trim().split('\n').pop() ?? '';
    console.log(
      `  ${s.get('Package')} ${s.get('Version')}: chroot ${chrootSays ? 'ok' : 'unresolved'}, archive ${archiveSays ? 'ok' : 'broken'}${chrootSays ? '' : `: ${reason}`}`,
    );
  }
});
fs.rmSync(work, { recursive: true, force: true });
