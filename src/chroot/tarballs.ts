/**
 * The base chroots: one tarball per suite and architecture, `$DIR/${SUITE}_${ARCH}.tar`
 * (`_` is in no suite or architecture name, so the name splits back unambiguously). A
 * tarball is replaced whole by rename, so a build that unpacked the old one keeps it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SpoolError, errnoCode } from '../errors.js';
import { isName } from '../spool/names.js';

export interface ChrootTarball {
  readonly suite: string;
  readonly arch: string;
  readonly path: string;
  /** When mmdebstrap finished it (the file's mtime: rename keeps it). */
  readonly created: Date;
  readonly bytes: number;
}

/** A build on a node that has no base chroot for the entry's suite and architecture: the node cannot build, it is not the package's fault. */
export class ChrootMissingError extends SpoolError {
  constructor(
    readonly suite: string,
    readonly arch: string,
    readonly dir: string,
  ) {
    super('unreachable', `no build chroot for ${suite}/${arch} in ${dir}: run \`repro-spool chroot create --suite ${suite} --arch ${arch}\` on this node`);
    this.name = 'ChrootMissingError';
  }
}

export function tarballPath(dir: string, suite: string, arch: string): string {
  return path.join(dir, `${suite}_${arch}.tar`);
}

/** The tarball for suite/arch, if there is one. */
export function findTarball(dir: string, suite: string, arch: string): ChrootTarball | undefined {
  return listTarballs(dir).find((t) => t.suite === suite && t.arch === arch);
}

/** The tarball for suite/arch, or ChrootMissingError. */
export function requireTarball(dir: string, suite: string, arch: string): ChrootTarball {
  const found = findTarball(dir, suite, arch);
  if (!found) throw new ChrootMissingError(suite, arch, dir);
  return found;
}

export function listTarballs(dir: string): ChrootTarball[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw error;
  }
  const tarballs: ChrootTarball[] = [];
  for (const name of names.sort()) {
    const match = /^([^_]+)_([^_]+)\.tar$/.exec(name);
    if (!match || !isName('suite', match[1]!) || !isName('architecture', match[2]!)) continue;
    const file = path.join(dir, name);
    const stat = fs.lstatSync(file);
    if (!stat.isFile()) continue; // a planted symlink is not a chroot
    tarballs.push({ suite: match[1]!, arch: match[2]!, path: file, created: stat.mtime, bytes: stat.size });
  }
  return tarballs;
}
