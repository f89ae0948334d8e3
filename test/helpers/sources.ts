/** A generated Sources index of any size, shaped like the real ones (for import tests and benchmarks). */
export function generatedSources(count: number, version = (i: number) => `1.${i % 7}-${1 + (i % 3)}`): string {
  const sha = (i: number) => i.toString(16).padStart(64, '0');
  const stanzas: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `pkg${i}`;
    const v = version(i);
    stanzas.push(
      `Package: ${name}\nBinary: ${name}, lib${name}-dev\nVersion: ${v}\nMaintainer: Test <test@example.org>\nBuild-Depends: debhelper-compat (= 13)\n` +
        `Architecture: ${i % 10 === 0 ? 'all' : 'any'}\nStandards-Version: 4.6.2\nFormat: 3.0 (quilt)\n` +
        `Files:\n ${'0'.repeat(32)} 1234 ${name}_${v}.dsc\n ${'0'.repeat(32)} 99999 ${name}_${v.split('-')[0]}.orig.tar.xz\n` +
        `Checksums-Sha256:\n ${sha(i)} 1234 ${name}_${v}.dsc\n ${sha(i + 1)} 99999 ${name}_${v.split('-')[0]}.orig.tar.xz\n` +
        `Directory: pool/main/p/${name}\nPriority: optional\nSection: misc\n`,
    );
  }
  return stanzas.join('\n');
}
