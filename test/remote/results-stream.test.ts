import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, describe, it } from 'node:test';
import tar from 'tar-stream';
import { NodeIntegrityError, SpoolError } from '../../src/errors.js';
import { ANSWER_MEMBER, readShippedEntry } from '../../src/remote/exchange-node.js';
import { ResultsReceiver } from '../../src/remote/results-stream.js';
import { entryId } from '../../src/spool/identity.js';

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'results-stream-'));
after(() => fs.rmSync(base, { recursive: true, force: true }));
let n = 0;

type Member = { name: string; data?: string; type?: 'file' | 'symlink' | 'directory'; size?: number };

/** A tar stream of members, the way a node (or an adversary) could send it. */
async function tarOf(members: readonly Member[], truncateAt?: number): Promise<Buffer> {
  const pack = tar.pack();
  for (const m of members) {
    if (m.type === 'symlink') pack.entry({ name: m.name, type: 'symlink', linkname: '/etc/passwd' });
    else if (m.type === 'directory') pack.entry({ name: m.name, type: 'directory' });
    else pack.entry({ name: m.name, size: m.size }, m.data ?? '');
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  const whole = Buffer.concat(chunks);
  return truncateAt === undefined ? whole : whole.subarray(0, truncateAt);
}

const answerOf = (files: Array<[string, string]>) =>
  JSON.stringify({ status: 'built', durationSeconds: 1, listing: files.map(([name, data]) => `f ${Buffer.byteLength(data)} ${name}\n`).join('') });

async function receive(bytes: Buffer): Promise<{ staging: string; receiver: ResultsReceiver; streamed: Promise<void> }> {
  const staging = path.join(base, String(n++));
  fs.mkdirSync(staging);
  const receiver = new ResultsReceiver(staging, 'node1', 1 << 20);
  const streamed = pipeline(Readable.from([bytes]), receiver.sink);
  return { staging, receiver, streamed };
}

async function refused(bytes: Buffer, why: RegExp): Promise<string> {
  const { staging, receiver, streamed } = await receive(bytes);
  await assert.rejects(receiver.done, (error: Error) => error instanceof NodeIntegrityError && why.test(error.message));
  await assert.rejects(streamed, NodeIntegrityError, 'the sink fails, which ends the ssh call');
  return staging;
}

describe("main's reading of a node's results stream", () => {
  const files: Array<[string, string]> = [
    ['result', 'Status: built\n'],
    ['hello_1_all.deb', 'deb bytes'],
  ];

  it('writes the listed files and returns the answer', async () => {
    const { staging, receiver, streamed } = await receive(
      await tarOf([{ name: ANSWER_MEMBER, data: answerOf(files) }, ...files.map(([name, data]) => ({ name, data }))]),
    );
    const got = await receiver.done;
    await streamed;
    assert.equal((JSON.parse(got.answer) as { status: string }).status, 'built');
    assert.deepEqual(got.listed.map((f) => f.name).sort(), ['hello_1_all.deb', 'result']);
    assert.equal(fs.readFileSync(path.join(staging, 'hello_1_all.deb'), 'utf8'), 'deb bytes');
  });

  it('refuses what the answer did not list, a wrong size, a second copy, a link, a directory, a traversal', async () => {
    const answer = { name: ANSWER_MEMBER, data: answerOf(files) };
    const staging = await refused(await tarOf([answer, { name: 'extra', data: 'x' }]), /holds "extra", which the answer did not list/);
    assert.deepEqual(fs.readdirSync(staging), [], 'nothing of a refused member is written');
    await refused(await tarOf([answer, { name: 'result', data: 'Status: built and more\n' }]), /of 23 bytes: the answer listed 14/);
    await refused(await tarOf([answer, { name: 'result', data: 'Status: built\n' }, { name: 'result', data: 'Status: built\n' }]), /listed once/);
    await refused(await tarOf([answer, { name: 'result', type: 'symlink' }]), /of type symlink: expected plain files/);
    await refused(await tarOf([answer, { name: 'sub', type: 'directory' }]), /of type directory/);
    await refused(await tarOf([answer, { name: '../../escape', data: 'x' }]), /which the answer did not list/);
    assert.equal(fs.existsSync(path.join(base, 'escape')), false);
  });

  it('refuses an answer that lists unsafe names, a stream without its answer first, and one cut short', async () => {
    const badListing = JSON.stringify({ status: 'built', durationSeconds: 1, listing: 'f 1 ../passwd\n' });
    await refused(await tarOf([{ name: ANSWER_MEMBER, data: badListing }]), /expected a plain file name/);
    await refused(await tarOf([{ name: 'result', data: 'x' }]), /begins with "result": expected \.answer\.json/);
    const whole = await tarOf([{ name: ANSWER_MEMBER, data: answerOf(files) }, ...files.map(([name, data]) => ({ name, data }))]);
    await refused(whole.subarray(0, 1024), /ended before|not a tar stream/);
    await refused(Buffer.alloc(0), /ended before its answer/);
  });

  it("leaves a command's JSON error alone: it is the command's status to report", async () => {
    const { receiver, streamed } = await receive(Buffer.from('{"error":{"type":"ChrootMissingError","message":"no chroot"}}\n'));
    await streamed;
    const settled = await Promise.race([receiver.done.then(() => 'settled'), new Promise((resolve) => setTimeout(() => resolve('pending'), 50))]);
    assert.equal(settled, 'pending');
  });
});

describe('the entry a node reads on stdin', () => {
  const id = entryId('bookworm', 'amd64', 'hello', '2.10-3');
  const good = 'Source: hello\nVersion: 2.10-3\nSuite: bookworm\nArchitecture: amd64\nDsc-Sha256: ' + 'a'.repeat(64) + '\n';

  it('is taken when it is the entry named', async () => {
    assert.equal(await readShippedEntry(Readable.from([Buffer.from(good)]), id), good);
  });

  it('is refused, naming why, when too large or not this entry', async () => {
    await assert.rejects(
      readShippedEntry(Readable.from([Buffer.alloc(70_000, 'a')]), id),
      (e: Error) => e instanceof SpoolError && /over 65536 bytes/.test(e.message),
    );
    await assert.rejects(
      readShippedEntry(Readable.from([Buffer.from(good.replace('hello', 'other'))]), id),
      (e: Error) => e instanceof SpoolError && /refused/.test(e.message),
    );
  });
});
