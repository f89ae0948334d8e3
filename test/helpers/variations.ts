/** What the tests expect each build to have seen, read back from inside the built packages. */
import assert from 'node:assert/strict';
import { allowedCpus } from '../../src/builder/personality.js';

/** `env | sort` output as a map. */
export function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** The environment half of the variation table, as builds 1 and 2 saw it. */
export function assertVariedEnvironments(one: Record<string, string>, two: Record<string, string>): void {
  assert.equal(one.TERM, undefined);
  assert.deepEqual([two.TERM, two.COLUMNS], ['linux', '77']);
  assert.deepEqual([one.TZ, two.TZ], ['Etc/GMT+12', 'Etc/GMT-14']);
  assert.deepEqual([one.LANG, one.LC_ALL, one.LANGUAGE], ['C', undefined, 'en_US:en']);
  assert.deepEqual([two.LANG, two.LC_ALL], ['et_EE.UTF-8', 'et_EE.UTF-8']);
  assert.deepEqual([one.HOME, two.HOME], ['/nonexistent/first-build', '/nonexistent/second-build']);
  assert.ok(two.PATH!.endsWith(':/i/capture/the/path') && !one.PATH!.includes('capture'));
  assert.deepEqual([one.CAPTURE_ENVIRONMENT, two.CAPTURE_ENVIRONMENT], [undefined, 'I capture the environment']);
  assert.deepEqual([one.SHELL, two.SHELL], ['/bin/sh', '/bin/bash']);
  assert.match(one.DEB_BUILD_OPTIONS!, /parallel=(\d+)/);
  assert.equal(Number(/parallel=(\d+)/.exec(two.DEB_BUILD_OPTIONS!)![1]), Number(/parallel=(\d+)/.exec(one.DEB_BUILD_OPTIONS!)![1]) + 1);
}

const ADDR_NO_RANDOMIZE = 0x0040000;
const UNAME26 = 0x0020000;

/** /proc/self/personality as builds 1 and 2 saw it: ASLR off in build 1, uname 2.6 in build 2. */
export function assertPersonalities(one: string, two: string): void {
  const [a, b] = [parseInt(one, 16), parseInt(two, 16)];
  assert.equal(a & ADDR_NO_RANDOMIZE, ADDR_NO_RANDOMIZE, `build 1 runs without ASLR (personality ${one})`);
  assert.equal(b & ADDR_NO_RANDOMIZE, 0, `build 2 runs with the node's ASLR (personality ${two})`);
  assert.equal(b & UNAME26, UNAME26, `build 2 runs under --uname-2.6 (personality ${two})`);
}

/** nproc as builds 1 and 2 saw it: every CPU this machine lets the tests use, then one fewer. */
export function assertCpuCounts(one: string, two: string): void {
  const allowed = allowedCpus().length;
  assert.equal(Number(one), allowed, 'build 1 may use every CPU');
  assert.equal(Number(two), allowed > 1 ? allowed - 1 : allowed, 'build 2 one fewer (taskset)');
}
