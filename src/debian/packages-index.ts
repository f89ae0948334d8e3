/**
 * Packages indexes (dists/$SUITE/$COMPONENT/binary-$ARCH/Packages): one stanza per binary
 * package the archive has, with the pool path and the sha256 of its .deb. Read for the
 * archive comparison, keyed by the .deb's file name (NAME_VERSION_ARCH.deb, the version
 * without its epoch), which is the name a build gives the same package. A stanza whose
 * fields are not what a Packages index holds is left out, as Sources stanzas are.
 */
import { versionWithoutEpoch } from './version.js';

export interface ArchiveDeb {
  readonly sha256: string;
  readonly size: number;
  /** Mirror-relative: pool/…/NAME_VERSION_ARCH.deb. */
  readonly filename: string;
}

const POOL_PATH = /^pool\/[A-Za-z0-9.+_~/-]+\.deb$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** The .deb file name of a package in the archive: what dpkg-deb and dpkg-buildpackage name it. */
export function debFileName(pkg: string, version: string, arch: string): string {
  return `${pkg}_${versionWithoutEpoch(version)}_${arch}.deb`;
}

/** The single-line fields read, each found by its own expression (compiled once: an index has sixty thousand stanzas). */
const FIELDS = ['Package', 'Version', 'Architecture', 'Filename', 'SHA256', 'Size'].map((name) => new RegExp(`^${name}: *(.*)$`, 'm'));

export function parsePackagesIndex(text: string): Map<string, ArchiveDeb> {
  const debs = new Map<string, ArchiveDeb>();
  for (const stanza of text.split(/\n\s*\n/)) {
    const [pkg, version, arch, filename, sha256, size] = FIELDS.map((field) => field.exec(stanza)?.[1]?.trim());
    if (!pkg || !version || !arch || !filename || !sha256 || !size) continue;
    if (!POOL_PATH.test(filename) || filename.split('/').includes('..') || !SHA256.test(sha256) || !/^[0-9]{1,12}$/.test(size)) continue;
    debs.set(debFileName(pkg, version, arch), { sha256, size: Number(size), filename });
  }
  return debs;
}
