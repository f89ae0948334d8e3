/**
 * A node's apt archive cache shared by its builds, so that a build dependency is
 * downloaded once per node, not once per build. apt locks its archive directory and fails
 * (it does not wait) when another apt holds it, so concurrent builds cannot share one
 * directory: each build gets a private one, seeded with hard links to every cached .deb,
 * and afterwards the .debs it downloaded are linked back. Links are made with link(2),
 * which never replaces a file, so concurrent harvests are safe; apt only moves a
 * verified download into the directory, and checks a cached file's hash before it uses it.
 * The seeded files belong to the host user, which the build's namespace does not map,
 * so nothing inside the build can change them.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../../errors.js';
import type { NamespaceRoot } from './subordinate-ids.js';

const isDeb = (name: string) => /^[^/]+\.u?deb$/.test(name);

function linkOrCopy(source: string, target: string): boolean {
  try {
    fs.linkSync(source, target);
    return true;
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EEXIST') return false;
    if (code !== 'EXDEV') throw error;
  }
  // Another filesystem: copy under a temp name, then link, so no reader sees half a file.
  const temp = `${target}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    fs.copyFileSync(source, temp, fs.constants.COPYFILE_EXCL);
    return linkOrCopy(temp, target);
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/** Makes the build's private archive directory, owned by its namespace root, seeded from shared. Returns how many .debs it holds. */
export function seedAptArchives(shared: string, archives: string, owner: NamespaceRoot): number {
  fs.mkdirSync(shared, { recursive: true });
  fs.mkdirSync(path.join(archives, 'partial'), { recursive: true });
  for (const dir of [archives, path.join(archives, 'partial')]) fs.chownSync(dir, owner.uid, owner.gid);
  let seeded = 0;
  for (const name of fs.readdirSync(shared)) if (isDeb(name) && linkOrCopy(path.join(shared, name), path.join(archives, name))) seeded++;
  return seeded;
}

/** Links what the build downloaded into the shared cache; returns how many were new. */
export function harvestAptArchives(archives: string, shared: string): number {
  let added = 0;
  for (const entry of fs.readdirSync(archives, { withFileTypes: true })) {
    if (entry.isFile() && isDeb(entry.name) && linkOrCopy(path.join(archives, entry.name), path.join(shared, entry.name))) added++;
  }
  return added;
}
