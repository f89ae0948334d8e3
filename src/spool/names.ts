/**
 * Grammars for every path component of the spool. A value is validated before it is
 * joined into a path, so nothing outside these grammars ever reaches the filesystem
 * or a shell. The underscore is in none of them, which makes it a safe separator.
 */
import { SpoolError, quoteValue } from '../errors.js';

export const MAX_PACKAGE_LENGTH = 100;
export const MAX_VERSION_LENGTH = 128;
export const MAX_NAME_LENGTH = 63;

/** Directory names under reproducible-builds/ that are states, so no node may use them. */
export const RESERVED_NODE_NAMES = ['scheduled', 'pending', 'failed', 'node-information'] as const;

const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const SIMPLE_NAME = /^[a-z0-9](?:[a-z0-9-]|\.(?!\.))*$/;
const EPOCH = /^[0-9]+$/;
const UPSTREAM_CHARS = /^[0-9][A-Za-z0-9.+~:-]*$/;
const REVISION = /^[A-Za-z0-9+.~]+$/;

export type NameKind = 'suite' | 'architecture' | 'node';

function refuse(what: string, value: string, expected: string): never {
  throw new SpoolError('usage', `invalid ${what} ${quoteValue(value)}: expected ${expected}`);
}

export function validatePackageName(value: string): string {
  if (value.length > MAX_PACKAGE_LENGTH || !PACKAGE_NAME.test(value)) {
    refuse(
      'source package name',
      value,
      `a Debian source package name: lowercase letters, digits, '+', '-' and '.', ` + `starting with a letter or digit, 2 to ${MAX_PACKAGE_LENGTH} characters`,
    );
  }
  return value;
}

/** Debian policy §5.6.12: [epoch:]upstream_version[-debian_revision]. */
export function versionProblem(value: string): string | undefined {
  if (value.length === 0 || value.length > MAX_VERSION_LENGTH) return `1 to ${MAX_VERSION_LENGTH} characters`;
  const colon = value.indexOf(':');
  const epoch = colon >= 0 ? value.slice(0, colon) : undefined;
  const rest = colon >= 0 ? value.slice(colon + 1) : value;
  if (epoch !== undefined && !EPOCH.test(epoch)) return 'an epoch of digits before the first colon';
  const dash = rest.lastIndexOf('-');
  const upstream = dash >= 0 ? rest.slice(0, dash) : rest;
  const revision = dash >= 0 ? rest.slice(dash + 1) : undefined;
  if (!UPSTREAM_CHARS.test(upstream)) {
    return "an upstream version starting with a digit, made of letters, digits and '.+~-:'";
  }
  if (epoch === undefined && upstream.includes(':')) return 'no colon in the upstream version without an epoch';
  if (revision !== undefined && !REVISION.test(revision)) {
    return "a Debian revision made of letters, digits and '+.~'";
  }
  return undefined;
}

export function validateVersion(value: string): string {
  const problem = versionProblem(value);
  if (problem !== undefined) {
    refuse('version', value, `a Debian version [epoch:]upstream[-revision] (${problem})`);
  }
  return value;
}

function nameProblem(kind: NameKind, value: string): string | undefined {
  if (value.length > MAX_NAME_LENGTH || !SIMPLE_NAME.test(value)) {
    return `lowercase letters, digits, '-' and '.', starting with a letter or digit, at most ${MAX_NAME_LENGTH} characters`;
  }
  if (kind === 'node' && (RESERVED_NODE_NAMES as readonly string[]).includes(value)) {
    return `a name other than the reserved ${RESERVED_NODE_NAMES.join(', ')}`;
  }
  return undefined;
}

export function validateName(kind: NameKind, value: string): string {
  const problem = nameProblem(kind, value);
  if (problem !== undefined) refuse(kind === 'architecture' ? 'architecture' : `${kind} name`, value, problem);
  return value;
}

/** Non-throwing checks, for walking a spool that may hold anything. */
export function isPackageName(value: string): boolean {
  return value.length <= MAX_PACKAGE_LENGTH && PACKAGE_NAME.test(value);
}

export function isVersion(value: string): boolean {
  return versionProblem(value) === undefined;
}

export function isName(kind: NameKind, value: string): boolean {
  return nameProblem(kind, value) === undefined;
}
