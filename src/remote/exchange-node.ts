/**
 * exchange (node): a whole build in one ssh round trip. main sends the shipped entry on
 * stdin; this places it in the node's inbox, builds it (build-node.ts, exactly as
 * `build N --entry`), and answers on stdout with a tar stream: ANSWER_MEMBER (the JSON
 * answer of `build N --json`), then each file of the results directory. Once the last
 * byte is written, the results directory is removed: main never fetches results twice
 * (a check whose fetch failed ships its entry again, and the node discards what an
 * abandoned attempt left), so nothing is lost that a retry would have used.
 *
 * Placement: the entry is written atomically to its inbox name, never over another
 * file (writeFileAtomic, noReplace). The same content already there is a retry of a call
 * whose answer was lost; other content is TargetExistsError (exit 1, error type named in
 * the JSON), which main answers with `forget` and a second exchange.
 * Faults: exchange:after-temp / exchange:after-link (the placement's own: a temp for the
 * reaper, or the entry in the inbox, unclaimed); exchange:before-stream (results complete,
 * nothing sent: main sees a failed call, the next ship discards them);
 * exchange:before-remove (everything sent: the results stay until the next ship).
 * An error before the stream starts is reported like any command's (stdout: the JSON
 * error); once it has started, stdout is tar only, and a failure cuts it short, which
 * main refuses as a truncated stream.
 */
import fs from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import tar from 'tar-stream';
import { SpoolError, TargetExistsError, quoteValue } from '../errors.js';
import { type BuilderSettings, type NodeBuild, buildNext } from '../builder/build-node.js';
import { writeFileAtomic } from '../durable/atomic.js';
import { faultPoint } from '../durable/fault.js';
import type { BuildNumber } from '../spool/build-status.js';
import { CorruptEntryError, MAX_ENTRY_BYTES, parseEntry } from '../spool/entry.js';
import { type EntryId, formatId } from '../spool/identity.js';
import { nodePlace } from '../spool/layout.js';
import type { Spool } from '../spool/spool.js';

/** The first member of the stream: the answer `build N --json` prints (its name is no results file's: they never start with a dot). */
export const ANSWER_MEMBER = '.answer.json';

/** The shipped entry, read from stdin up to MAX_ENTRY_BYTES. */
export async function readShippedEntry(input: AsyncIterable<Buffer | string>, id: EntryId): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of input) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    bytes += buffer.length;
    if (bytes > MAX_ENTRY_BYTES) throw new SpoolError('integrity', `the entry sent for ${formatId(id)} is over ${MAX_ENTRY_BYTES} bytes: refused`);
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    parseEntry(id, text);
  } catch (error) {
    if (error instanceof CorruptEntryError) throw new SpoolError('integrity', `the entry sent for ${formatId(id)} is refused: ${error.message}`);
    throw error;
  }
  return text;
}

/** Places the shipped entry in node's inbox; identical content already there is fine (a retry). */
export function placeShipped(spool: Spool, node: string, id: EntryId, text: string): void {
  const target = spool.layout.entryPath(nodePlace(node), id);
  try {
    writeFileAtomic(spool.layout, target, text, { noReplace: true, faultLabel: 'exchange' });
  } catch (error) {
    if (!(error instanceof TargetExistsError)) throw error;
    if (readIfFile(target) !== text) throw error;
  }
}

function readIfFile(file: string): string | undefined {
  const stat = fs.lstatSync(file, { throwIfNoEntry: false });
  return stat?.isFile() ? fs.readFileSync(file, 'utf8') : undefined;
}

export interface ExchangeRequest {
  readonly node: string;
  readonly buildNumber: BuildNumber;
  readonly id: EntryId;
  readonly entryText: string;
  readonly settings: BuilderSettings;
}

/** Places, builds, streams, removes. Returns the build; throws (nothing written to out) when there was nothing to stream. */
export async function exchange(spool: Spool, request: ExchangeRequest, out: Writable): Promise<NodeBuild> {
  const { node, id } = request;
  placeShipped(spool, node, id, request.entryText);
  const done = await buildNext(spool, node, request.buildNumber, request.settings, id);
  if (!done) throw new SpoolError('nothingToDo', `${formatId(id)} is not in ${node}'s inbox (another builder took it)`);
  faultPoint('exchange:before-stream');
  await streamResults(done.results, done, out); // the answer: what `build N --json` prints
  faultPoint('exchange:before-remove');
  fs.rmSync(done.results, { recursive: true, force: true });
  return done;
}

/** The answer, with the listing main checks the stream against (what `find -printf '%y %s %P\\n'` gave when main listed them itself), then the files. */
async function streamResults(dir: string, answer: NodeBuild, out: Writable): Promise<void> {
  const files = fs.readdirSync(dir).sort();
  const sizes = files.map((name) => {
    const stat = fs.lstatSync(`${dir}/${name}`);
    if (!stat.isFile()) throw new SpoolError('integrity', `${quoteValue(`${dir}/${name}`)} is not a plain file: a results directory holds nothing else`);
    return stat.size;
  });
  const listing = files.map((name, i) => `f ${sizes[i]} ${name}\n`).join('');
  const pack = tar.pack();
  // Not pipe(): it would end out, which may be stdout, not ours to end.
  pack.on('data', (chunk) => {
    if (!out.write(chunk)) {
      pack.pause();
      out.once('drain', () => pack.resume());
    }
  });
  // main gone (its ssh dropped): the write fails with EPIPE. The results stay; the next ship of the entry discards them.
  const mainGone = new Promise<never>((_resolve, reject) =>
    out.once('error', (error) => reject(new SpoolError('unreachable', `main stopped reading the results (${error.message}); they stay until the next ship`))),
  );
  const finished = Promise.race([once(pack, 'end'), mainGone]);
  await addMember(pack, ANSWER_MEMBER, Buffer.from(JSON.stringify({ ...answer, listing })));
  for (const [i, name] of files.entries()) await addFile(pack, name, `${dir}/${name}`, sizes[i]!);
  pack.finalize();
  await finished;
  await Promise.race([drained(out), mainGone]);
  mainGone.catch(() => undefined); // all of it is written: an error on out from here on has nothing left to lose
}

function addMember(pack: tar.Pack, name: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => pack.entry({ name, size: data.length, mode: 0o644 }, data, (error) => (error ? reject(error) : resolve())));
}

/** A file's bytes streamed into the archive (a .deb may be gigabytes: never whole in memory). */
function addFile(pack: tar.Pack, name: string, file: string, size: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const entry = pack.entry({ name, size, mode: 0o644 }, (error) => (error ? reject(error) : resolve()));
    const read = fs.createReadStream(file);
    read.on('error', (error) => {
      entry.destroy(error);
      reject(error);
    });
    read.pipe(entry);
  });
}

/** Resolves once out has flushed what it holds (stdout to a pipe is asynchronous). */
async function drained(out: Writable): Promise<void> {
  if (out.writableNeedDrain) await once(out, 'drain');
}
