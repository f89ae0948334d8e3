/**
 * Claim throughput: 10,000 inbox entries claimed one by one (lock, owner record, link,
 * unlink, fsync of both directories, release) against, in the same run: the durable
 * floor (mkdir + rename + the same two directory fsyncs: the baseline that matters), the
 * same floor plus the least a recorded owner costs (a lock directory and an owner file
 * made and removed again, as bare syscalls), a bare rename loop without fsync, and
 * python3-dirq's QueueSimple lock+remove loop. As root (or under `unshare -rm`), also the
 * claim with a tmpfs mounted on the spool's locks/ (README: locks on a tmpfs), where the
 * lock and owner record cost no disk metadata.
 * Usage: node --import tsx scripts/bench/claim.ts [ENTRIES] [ROUNDS]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Stanza } from '../../src/debian/deb822.js';
import { fsyncDir } from '../../src/durable/atomic.js';
import type { EntryId } from '../../src/spool/identity.js';
import { Layout, PENDING, nodePlace } from '../../src/spool/layout.js';
import { openSpool } from '../../src/spool/spool.js';
import { claimEach } from '../../src/spool/transitions/claim.js';
import { compare, report } from './measure.js';

const ENTRIES = Number(process.argv[2] ?? 10_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const SHA = 'a'.repeat(64);
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-claim-'));
const inbox = nodePlace('node1');

function fillInbox(root: string): Layout {
  fs.rmSync(root, { recursive: true, force: true });
  const layout = new Layout(root);
  for (let i = 0; i < ENTRIES; i++) {
    const id = { suite: 'bookworm', arch: 'amd64', pkg: `pkg${i}`, version: '1.0-1' };
    const file = layout.entryPath(inbox, id);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const stanza = Stanza.of([
      ['Source', id.pkg],
      ['Version', id.version],
      ['Suite', 'bookworm'],
      ['Architecture', 'amd64'],
      ['Dsc-Sha256', SHA],
      ['Node', 'node1'],
    ]);
    fs.writeFileSync(file, stanza.toString());
  }
  return layout;
}

const DIRQ = `
import sys, time
from dirq.QueueSimple import QueueSimple
q = QueueSimple(sys.argv[1])
if sys.argv[2] == 'fill':
    for i in range(int(sys.argv[3])):
        q.add('Source: pkg%d\\n' % i)
else:
    n = 0
    for name in q:
        if q.lock(name):
            q.get(name)
            q.remove(name)
            n += 1
    print(n)
`;

function dirq(...args: string[]): string {
  const result = spawnSync('/usr/bin/python3', ['-c', DIRQ, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`python3-dirq failed (is python3-dirq installed? scripts/setup installs it): ${result.stderr}`);
  return result.stdout.trim();
}

const renameRoot = path.join(base, 'rename');
const durableRoot = path.join(base, 'durable');
const ownedRoot = path.join(base, 'owned');
const claimRoot = path.join(base, 'claim');
const tmpfsClaimRoot = path.join(base, 'claim-tmpfs');
const canMount = process.getuid?.() === 0;
let mounted: string | undefined;
const dirqRoot = path.join(base, 'dirq');
const layouts = new Map<string, Layout>();

const OWNER = 'Token: 0123456789abcdef01234567\nPurpose: build\nHost: node1\nBoot-Id: 00000000-0000-0000-0000-000000000000\nPid: 1\n';

/** The least an owner record costs: a lock directory and an owner file beside it, made before the move and removed after. */
function withOwner(layout: Layout, id: EntryId, move: () => void): void {
  const lock = layout.lockDir(id);
  const owner = layout.ownerPath(id);
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  fs.mkdirSync(lock);
  fs.writeFileSync(owner, OWNER, { flag: 'wx' });
  move();
  fs.unlinkSync(owner);
  fs.rmdirSync(lock);
}

/**
 * Moves every inbox entry to pending/ by mkdir -p + rename; durable: and fsyncs both
 * directories, as a crash-safe move must; owned: inside a bare lock and owner record.
 */
function renameAll(layout: Layout, durable: boolean, owned = false): number {
  for (let i = 0; i < ENTRIES; i++) {
    const id = { suite: 'bookworm', arch: 'amd64', pkg: `pkg${i}`, version: '1.0-1' };
    if (owned) withOwner(layout, id, () => moveOne(layout, id, durable));
    else moveOne(layout, id, durable);
  }
  return ENTRIES;
}

function moveOne(layout: Layout, id: EntryId, durable: boolean): void {
  const source = layout.entryPath(inbox, id);
  const target = layout.entryPath(PENDING, id);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.renameSync(source, target);
  if (durable) {
    fsyncDir(path.dirname(target));
    fsyncDir(path.dirname(source));
  }
}

async function claimAll(root: string): Promise<number> {
  const spool = openSpool(root);
  let n = 0;
  for await (const taken of claimEach(spool, { node: 'node1' })) {
    await taken.lock.release();
    n++;
  }
  return n;
}

function unmountLocks(): void {
  if (mounted) execFileSync('umount', [mounted]);
  mounted = undefined;
}

const tmpfsVariant = {
  name: 'repro-spool claim, locks/ on a tmpfs',
  prepare: () => {
    const layout = fillInbox(tmpfsClaimRoot);
    fs.mkdirSync(layout.locksDir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'mode=0700', 'repro-spool-locks', layout.locksDir]);
    mounted = layout.locksDir;
  },
  run: () => claimAll(tmpfsClaimRoot),
  cleanup: unmountLocks,
};
if (!canMount) console.error('  (not root: the variant with locks/ on a tmpfs needs a mount; run under `unshare -rm` to include it)');

const results = await compare(
  [
    {
      name: 'bare rename loop (mkdir -p + rename)',
      prepare: () => void layouts.set(renameRoot, fillInbox(renameRoot)),
      run: () => renameAll(layouts.get(renameRoot)!, false),
    },
    {
      // The durable floor: what any crash-safe move must pay (the rename made durable in both directories).
      name: 'durable floor (mkdir -p + rename + fsync of both directories)',
      prepare: () => void layouts.set(durableRoot, fillInbox(durableRoot)),
      run: () => renameAll(layouts.get(durableRoot)!, true),
    },
    {
      name: 'durable floor with an owner record (+ mkdir, create, unlink, rmdir)',
      prepare: () => void layouts.set(ownedRoot, fillInbox(ownedRoot)),
      run: () => renameAll(layouts.get(ownedRoot)!, true, true),
    },
    {
      name: 'repro-spool claim (locked, fsynced)',
      prepare: () => void fillInbox(claimRoot),
      run: () => claimAll(claimRoot),
    },
    ...(canMount ? [tmpfsVariant] : []),
    {
      name: 'python3-dirq QueueSimple lock+get+remove',
      prepare: () => {
        fs.rmSync(dirqRoot, { recursive: true, force: true });
        dirq(dirqRoot, 'fill', String(ENTRIES));
      },
      run: () => Number(dirq(dirqRoot, 'drain')),
    },
  ],
  ROUNDS,
).finally(unmountLocks);
report(`claim throughput, ${ENTRIES} entries, median of ${ROUNDS} interleaved rounds`, results);
const [, floor, owned, claimed] = results as [unknown, ...Array<{ medianMs: number }>];
console.log(`  claim / durable floor: ${(claimed!.medianMs / floor!.medianMs).toFixed(2)}×`);
console.log(`  claim / durable floor with an owner record: ${(claimed!.medianMs / owned!.medianMs).toFixed(2)}×`);
const onTmpfs = results.find((r) => r.name === tmpfsVariant.name);
if (onTmpfs) console.log(`  claim with locks/ on a tmpfs / durable floor: ${(onTmpfs.medianMs / floor!.medianMs).toFixed(2)}×`);
fs.rmSync(base, { recursive: true, force: true });
