/**
 * Maintainers' opt-in: a text file, one package per line with who wants its daily digest
 * ("hello maint@example.org other@example.org  # why"). A missing file is no
 * subscriptions; a line that is not a package name and addresses is refused (exit 2,
 * naming the line), as the blacklist is.
 */
import fs from 'node:fs';
import { SpoolError, errnoCode, quoteValue } from '../errors.js';
import { isPackageName } from '../spool/names.js';

export type Subscriptions = ReadonlyMap<string, readonly string[]>;

/** An address is the hook's business (mail, a nick): here only one word, no control characters, no shell or header syntax. */
const ADDRESS = /^[A-Za-z0-9._%+@=-]{1,200}$/;

export function parseSubscriptions(file: string, text: string): Subscriptions {
  const subscriptions = new Map<string, string[]>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const [pkg, ...addresses] = line.split(/\s+/);
    if (!isPackageName(pkg!)) throw new SpoolError('usage', `${file}:${index + 1}: ${quoteValue(pkg!)}: expected a Debian source package name`);
    if (addresses.length === 0) throw new SpoolError('usage', `${file}:${index + 1}: ${pkg}: expected at least one address after the package`);
    const bad = addresses.find((a) => !ADDRESS.test(a));
    if (bad !== undefined) throw new SpoolError('usage', `${file}:${index + 1}: ${pkg}: address ${quoteValue(bad)}: expected one word such as a mail address`);
    subscriptions.set(pkg!, [...new Set([...(subscriptions.get(pkg!) ?? []), ...addresses])]);
  });
  return subscriptions;
}

export function loadSubscriptions(file: string): Subscriptions {
  try {
    return parseSubscriptions(file, fs.readFileSync(file, 'utf8'));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return new Map();
    throw error;
  }
}
