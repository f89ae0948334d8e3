/** What the tests expect each build to have seen, read back from inside the built packages. */
import assert from 'node:assert/strict';

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
