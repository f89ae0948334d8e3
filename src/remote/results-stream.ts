/**
 * main's side of exchange (exchange-node.ts): the tar stream a node answers with, read
 * as it arrives into a staging directory, trusting nothing. The first member must be
 * the answer (JSON, at most MAX_ANSWER_BYTES), which lists the files that follow with
 * their sizes (the listing `find` gave before: parseResultListing's bounds apply). Every
 * later member must be a plain file the answer listed, of the listed size, once: a name
 * it did not list, a link, a directory, a second copy or a byte too many is refused
 * before it is written, and the call's ssh is ended. Files are created exclusively in
 * the staging directory (flat names only, so nothing lands outside it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { NodeIntegrityError, quoteValue } from '../errors.js';
import { type ListedFile, parseResultListing } from './fetched-results.js';
import { ANSWER_MEMBER } from './exchange-node.js';

const MAX_ANSWER_BYTES = 2 * 1024 * 1024;

export interface ReceivedResults {
  /** The answer's JSON text, for parseBuildAnswer. */
  readonly answer: string;
  readonly listed: readonly ListedFile[];
}

/** Reads a node's exchange stream into staging (which must exist and be empty). Write the stream into `sink`; `done` settles once it has ended. */
export class ResultsReceiver {
  readonly sink: Writable;
  readonly done: Promise<ReceivedResults>;

  constructor(
    private readonly staging: string,
    private readonly node: string,
    private readonly maxBytes: number,
  ) {
    const extract = tar.extract();
    let answer: string | undefined;
    let listed = new Map<string, number>();
    const received = new Set<string>();
    const refuse = (why: string) => new NodeIntegrityError(node, `node ${node}'s results stream ${why}; nothing was taken from it`);
    extract.on('entry', (header, stream, next) => {
      // When the extract fails (a refusal), the member's stream fails with it: the extract's error is the one reported.
      stream.on('error', () => undefined);
      const fail = (error: Error) => {
        stream.resume();
        next(error);
      };
      if (header.type !== 'file') return fail(refuse(`holds ${quoteValue(header.name)} of type ${header.type}: expected plain files`));
      if (answer === undefined) {
        if (header.name !== ANSWER_MEMBER) return fail(refuse(`begins with ${quoteValue(header.name)}: expected ${ANSWER_MEMBER}`));
        if (header.size === undefined || header.size > MAX_ANSWER_BYTES) return fail(refuse(`has an answer over ${MAX_ANSWER_BYTES} bytes`));
        readAll(stream).then((text) => {
          try {
            answer = text;
            listed = new Map(this.listingOf(text).map((f) => [f.name, f.size]));
            next();
          } catch (error) {
            next(error as Error);
          }
        }, next);
        return;
      }
      const size = listed.get(header.name);
      if (size === undefined || received.has(header.name))
        return fail(refuse(`holds ${quoteValue(header.name)}, which the answer did not list (or listed once)`));
      if (header.size !== size) return fail(refuse(`holds ${quoteValue(header.name)} of ${header.size} bytes: the answer listed ${size}`));
      received.add(header.name);
      pipeline(stream, fs.createWriteStream(path.join(this.staging, header.name), { flags: 'wx', mode: 0o644 })).then(() => next(), next);
    });
    this.done = new Promise<ReceivedResults>((resolve, reject) => {
      extract.on('finish', () => {
        if (answer === undefined) return reject(refuse('ended before its answer'));
        const missing = [...listed.keys()].filter((name) => !received.has(name));
        if (missing.length > 0) return reject(refuse(`ended before ${missing.join(', ')}, which the answer listed (cut short?)`));
        resolve({ answer, listed: [...listed].map(([name, size]) => ({ name, size })) });
      });
      extract.on('error', (error) => reject(error instanceof NodeIntegrityError ? error : refuse(`is not a tar stream (${error.message})`)));
    });
    // A failed command answers with its JSON error instead (it begins with "{", a tar
    // stream with the answer's name): that is the command's status to report, not a stream to refuse.
    let mode: 'undecided' | 'tar' | 'error-answer' = 'undecided';
    this.sink = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        if (mode === 'undecided') mode = chunk[0] === 0x7b ? 'error-answer' : 'tar';
        if (mode === 'error-answer') return callback();
        if (extract.write(chunk)) callback();
        else extract.once('drain', () => callback());
      },
      final: (callback) => {
        if (mode === 'error-answer') return callback(); // done stays pending: the caller reports the command's status instead
        extract.end(() => undefined); // also for no bytes at all: done is then refused, never left pending
        this.done.then(
          () => callback(),
          (error: Error) => callback(error),
        );
      },
    });
    extract.on('error', (error) => this.sink.destroy(error)); // ends the call's ssh (runStreaming kills it)
    // Every rejection of done also errors the sink, and the transport throws the sink's
    // error: it is reported there, once, even when the caller never awaits done.
    this.done.catch(() => undefined);
  }

  private listingOf(answer: string): ListedFile[] {
    let listing: unknown;
    try {
      listing = (JSON.parse(answer) as { listing?: unknown }).listing;
    } catch {
      throw new NodeIntegrityError(this.node, `node ${this.node}'s answer is not JSON: ${quoteValue(answer.slice(0, 200))}`);
    }
    if (typeof listing !== 'string') throw new NodeIntegrityError(this.node, `node ${this.node}'s answer has no listing of its results`);
    return parseResultListing(this.node, listing, this.maxBytes);
  }
}

async function readAll(stream: AsyncIterable<unknown>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
