/**
 * Where source packages come from when the configuration names no mirror: the system's
 * apt sources (one-line sources.list and deb822 .sources). A fresh Debian machine often
 * lists only `deb` lines; the same archive serves pool/ and dists/$SUITE/main/source/, so
 * a `deb` URI is used as the source mirror when no `deb-src` line exists.
 */
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errors.js';
import { parseStanzas } from './deb822.js';

export interface AptSource {
  readonly type: 'deb' | 'deb-src';
  readonly uri: string;
  readonly suites: readonly string[];
  readonly file: string;
}

export function readAptSources(aptDir = '/etc/apt'): AptSource[] {
  const files = [path.join(aptDir, 'sources.list'), ...listFiles(path.join(aptDir, 'sources.list.d'))];
  return files.flatMap((file) => {
    const text = readIfExists(file);
    if (text === undefined) return [];
    if (file.endsWith('.sources')) return fromDeb822(text, file);
    if (file.endsWith('.list')) return fromOneLine(text, file);
    return [];
  });
}

function fromOneLine(text: string, file: string): AptSource[] {
  return text.split('\n').flatMap((raw) => {
    const line = raw.replace(/#.*/, '').trim();
    // deb [ option=value … ] uri suite [component…]
    const match = /^(deb|deb-src)\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
    return match ? [{ type: match[1] as AptSource['type'], uri: match[2]!, suites: [match[3]!], file }] : [];
  });
}

function fromDeb822(text: string, file: string): AptSource[] {
  return parseStanzas(text).flatMap((stanza) => {
    if ((stanza.get('Enabled') ?? 'yes').toLowerCase() === 'no') return [];
    const types = (stanza.get('Types') ?? '').split(/\s+/).filter((t): t is AptSource['type'] => t === 'deb' || t === 'deb-src');
    const uris = (stanza.get('URIs') ?? '').split(/\s+/).filter(Boolean);
    const suites = (stanza.get('Suites') ?? '').split(/\s+/).filter(Boolean);
    return types.flatMap((type) => uris.map((uri) => ({ type, uri, suites, file })));
  });
}

/**
 * The mirror for a suite: a deb-src entry serving it, else a deb entry serving it, else
 * any http(s) deb-src, else any http(s) deb; never a security or updates archive, which
 * hold only a few packages.
 */
export function mirrorFromApt(sources: readonly AptSource[], suite: string): string | undefined {
  const usable = sources.filter((s) => /^https?:\/\//.test(s.uri) && !s.suites.every((x) => /-(security|updates)$|\/updates$/.test(x)));
  const serves = (s: AptSource) => s.suites.includes(suite);
  const choice =
    usable.find((s) => s.type === 'deb-src' && serves(s)) ??
    usable.find((s) => s.type === 'deb' && serves(s)) ??
    usable.find((s) => s.type === 'deb-src') ??
    usable.find((s) => s.type === 'deb');
  return choice && choice.uri.replace(/\/+$/, '');
}

function listFiles(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir)
      .sort()
      .map((name) => path.join(dir, name));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw error;
  }
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'EISDIR') return undefined;
    throw error;
  }
}
