/**
 * A stand-in builder for reaper tests: claims one entry of node1's inbox, starts a
 * "build" (sleep) in its own process group inside a workdir, records both in the lock
 * owner, prints {"pgid": …, "workdir": …} and then waits to be killed.
 * Usage: node --import tsx hold-lock.ts ROOT
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { processStart } from '../../src/durable/process-identity.js';
import { openSpool } from '../../src/spool/spool.js';
import { claim } from '../../src/spool/transitions/claim.js';

const spool = openSpool(process.argv[2]!, { lockStaleMs: 4000, lockUpdateMs: 1000 });
const taken = await claim(spool, { node: 'node1' });
if (!taken) throw new Error('nothing to claim');
const workdir = path.join(spool.layout.root, 'build', taken.entry.id.pkg);
fs.mkdirSync(workdir, { recursive: true });
const build = spawn('sleep', ['300'], { detached: true, stdio: 'ignore', cwd: workdir });
taken.lock.update({ pgid: build.pid!, pgidStart: processStart(build.pid!)!, workdir });
process.stdout.write(`${JSON.stringify({ pgid: build.pid, workdir })}\n`);
setInterval(() => undefined, 60_000);
process.on('SIGTERM', () => process.exit(143));
