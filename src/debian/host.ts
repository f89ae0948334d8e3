/** What this machine is, asked once per process: its dpkg architecture and its os-release fields. */
import fs from 'node:fs';
import { errnoCode } from '../errors.js';
import { outputOf } from '../process/run.js';

let architecture: string | undefined;
let release: Readonly<Record<string, string>> | undefined;

/** `dpkg --print-architecture`. */
export function hostArchitecture(): string {
  return (architecture ??= outputOf('dpkg', ['--print-architecture']));
}

/** /etc/os-release as fields (PRETTY_NAME, VERSION_CODENAME…), quotes removed; empty where the file is missing. */
export function osRelease(): Readonly<Record<string, string>> {
  if (release) return release;
  let text = '';
  try {
    text = fs.readFileSync('/etc/os-release', 'utf8');
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(?:"([^"]*)"|'([^']*)'|(.*))$/.exec(line.trim());
    if (match) fields[match[1]!] = match[2] ?? match[3] ?? match[4] ?? '';
  }
  return (release = fields);
}
