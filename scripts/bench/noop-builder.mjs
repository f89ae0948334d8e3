/**
 * Preload for a node's repro-spool in scripts/bench/remote-check.ts (`node --import THIS
 * bin/repro-spool.js …`): the node's claim, source fetch, complete and lock handling run
 * for real, but the three build steps of build-node.ts become no-ops:
 *   dpkg-source --no-check -x DSC DIR      → mkdir -p DIR
 *   dpkg-checkbuilddeps                    → true
 *   … dpkg-buildpackage … (under taskset, setarch, unshare or sh) → sh -c writing ../noop_1.0_all.deb and ../noop_1.0_amd64.buildinfo (fixed content:
 *                                            what main requires of a built result)
 * Every other spawn (ssh, scp, diffoscope…) passes through untouched.
 */
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';

const realSpawn = childProcess.spawn;

childProcess.spawn = function spawn(command, args, options) {
  const list = Array.isArray(args) ? args : [];
  if (command === 'dpkg-source' && list.includes('-x')) return realSpawn('/bin/mkdir', ['-p', '--', String(list[list.length - 1])], options);
  if (command === 'dpkg-checkbuilddeps') return realSpawn('/bin/true', [], options);
  if (list.some((arg) => String(arg).includes('dpkg-buildpackage'))) {
    const outputs = "printf 'no-op build\\n' > ../noop_1.0_all.deb && printf 'Format: 1.0\\nSource: noop\\n' > ../noop_1.0_amd64.buildinfo";
    return realSpawn('/bin/sh', ['-c', outputs], options);
  }
  return Reflect.apply(realSpawn, this, arguments);
};
// ESM named imports (`import { spawn } from 'node:child_process'`) see the replacement too.
syncBuiltinESMExports();
