/**
 * Notifications, against their floors in the same run:
 *   - spooling N events (what a check pays) against the durable floor of the same work:
 *     a temp written and fsynced, linked into place, the directory fsynced;
 *   - delivering N events to a hook that exits 0 (`true`) against N bare spawns of it,
 *     each waited for (what any delivery costs at least).
 * Usage: node --import tsx scripts/bench/notify.ts [EVENTS=300] [ROUNDS=3]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fsyncDir, tempPath, writeDurable } from '../../src/durable/atomic.js';
import { initSpoolRoot } from '../../src/spool/root.js';
import { openSpool } from '../../src/spool/spool.js';
import { makeEvent } from '../../src/notify/events.js';
import { spoolEvent } from '../../src/notify/spool-event.js';
import { deliverEvents } from '../../src/notify/deliver.js';
import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { compare, report } from './measure.js';

const EVENTS = Number(process.argv[2] ?? 300);
const ROUNDS = Number(process.argv[3] ?? 3);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-notify-'));
const hook = fs.existsSync('/usr/bin/true') ? '/usr/bin/true' : '/bin/true';
let round = 0;
const freshRoot = () => {
  const root = path.join(work, `root-${round++}`);
  initSpoolRoot(root, new Date());
  return openSpool(root);
};
const event = (i: number) =>
  makeEvent('regression', `bench/${round}/${i}`, {
    at: new Date(1_700_000_000_000 + i).toISOString(),
    summary: `pkg${i} regressed`,
    recipients: [],
    data: { i },
  });

let spool = freshRoot();
const spooling = await compare(
  [
    {
      name: 'durable floor: temp + fsync, link, fsync dir',
      prepare: () => {
        spool = freshRoot();
        fs.mkdirSync(path.join(spool.layout.root, 'floor'), { recursive: true });
        fs.mkdirSync(spool.layout.tmpDir, { recursive: true });
      },
      run: () => {
        const dir = path.join(spool.layout.root, 'floor');
        for (let i = 0; i < EVENTS; i++) {
          const temp = tempPath(spool.layout.tmpDir, 'e');
          writeDurable(temp, `${JSON.stringify(event(i))}\n`);
          fs.linkSync(temp, path.join(dir, `${i}.json`));
          fs.unlinkSync(temp);
          fsyncDir(dir);
        }
        return EVENTS;
      },
    },
    {
      name: 'spoolEvent',
      prepare: () => {
        spool = freshRoot();
      },
      run: () => {
        for (let i = 0; i < EVENTS; i++) spoolEvent(spool, event(i));
        return EVENTS;
      },
    },
  ],
  ROUNDS,
);
const delivering = await compare(
  [
    {
      name: 'bare spawns of the hook, each waited for',
      prepare: () => {},
      run: async () => {
        for (let i = 0; i < EVENTS; i++) {
          await new Promise((resolve) => {
            const child = spawn(hook, [], { stdio: ['pipe', 'ignore', 'ignore'] });
            child.stdin.on('error', () => undefined); // true exits without reading: EPIPE, as deliver tolerates it
            child.stdin.end(JSON.stringify(event(i)));
            child.once('exit', resolve);
          });
        }
        return EVENTS;
      },
    },
    {
      name: 'notify deliver (hook: true)',
      prepare: () => {
        spool = freshRoot();
        for (let i = 0; i < EVENTS; i++) spoolEvent(spool, event(i));
      },
      run: async () => (await deliverEvents(spool, { ...DEFAULT_SETTINGS.notify, command: [hook] })).delivered.length,
    },
  ],
  ROUNDS,
);
report(`spooling ${EVENTS} events`, spooling);
report(`delivering ${EVENTS} events`, delivering);
fs.rmSync(work, { recursive: true, force: true });
