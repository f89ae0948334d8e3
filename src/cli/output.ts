/** stdout carries results (only JSON with --json); stderr carries progress and errors. */
import path from 'node:path';
import { CorruptEntryError } from '../spool/entry.js';
import { Deb822Error } from '../debian/deb822.js';
import { EXIT_CODES, SpoolError, visible } from '../errors.js';

export interface Output {
  readonly json: boolean;
  /** The command's result: JSON document with --json, else the human text. */
  result(data: unknown, human: () => string): void;
  /** One of a stream of results: one JSON object per line with --json, else the human text. */
  line(data: unknown, human: () => string): void;
  progress(message: string): void;
}

export function makeOutput(json: boolean): Output {
  return {
    json,
    result(data, human) {
      // JSON escapes control characters itself; text for people gets them made visible.
      const text = json ? JSON.stringify(data, null, 2) : visible(human());
      if (text !== '') process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    line(data, human) {
      const text = json ? JSON.stringify(data) : visible(human());
      if (text !== '') process.stdout.write(`${text}\n`);
    },
    progress(message) {
      process.stderr.write(`${visible(message)}\n`);
    },
  };
}

/** Maps any error to its documented exit code and reports it on stderr (and stdout as JSON with --json). */
export function reportError(error: unknown, json: boolean): number {
  const { kind, message } = classify(error);
  const exitCode = EXIT_CODES[kind];
  process.stderr.write(`repro-spool: ${visible(message)}\n`);
  // type: the error's class, so that a caller (main, over ssh) can tell failures of the same exit code apart.
  const type = error instanceof SpoolError ? error.name : undefined;
  if (json) process.stdout.write(`${JSON.stringify({ error: { kind, exitCode, message, type } })}\n`);
  return exitCode;
}

function classify(error: unknown): { kind: keyof typeof EXIT_CODES; message: string } {
  if (error instanceof SpoolError) return { kind: error.kind, message: error.message };
  if (error instanceof CorruptEntryError) return { kind: 'integrity', message: `corrupt entry: ${error.message}` };
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return { kind: 'failed', message: `disk full: ${(error as Error).message}; nothing was moved` };
  // deb822 text that is not deb822 comes from outside (a mirror's index, a file given to a command): bad input.
  if (error instanceof Deb822Error) return { kind: 'usage', message: `not valid deb822: ${error.message}` };
  // Anything else is a defect of ours: the message for people, the stack only when asked for.
  if (!(error instanceof Error)) return { kind: 'failed', message: String(error) };
  if (process.env.REPRO_SPOOL_DEBUG) return { kind: 'failed', message: error.stack ?? error.message };
  return { kind: 'failed', message: `${error.message} (an unexpected ${error.name}: REPRO_SPOOL_DEBUG=1 shows where)` };
}

/** A path as people use it: relative to the current directory, so that it works when pasted. */
export function forPeople(file: string): string {
  return path.relative(process.cwd(), file) || '.';
}

/** Left-aligned columns, for tables a person reads at a glance. */
export function table(rows: ReadonlyArray<ReadonlyArray<string>>): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}
