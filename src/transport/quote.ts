/**
 * Quoting for a shell: the remote one, and the rendered cron and Jenkins jobs. ssh hands the command string to the remote user's shell
 * (often dash), so bash's $'…' quoting (zx's) is wrong there: every word is wrapped in
 * POSIX single quotes, with each ' written as '\'' . Nothing else reaches a remote shell.
 */
import { SpoolError } from '../errors.js';

export function shellQuote(word: string): string {
  if (word.includes('\0')) throw new SpoolError('usage', `refusing to pass ${JSON.stringify(word)} to a remote shell: it holds a NUL byte`);
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/** A word left bare when no shell would read it differently (readable crontabs and job files), else quoted as above. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./=:-]+$/.test(word) ? word : shellQuote(word);
}

/** One remote command line from words, each quoted: what the remote shell parses back is exactly the words. */
export function remoteCommand(words: readonly string[]): string {
  if (words.length === 0) throw new Error('a remote command needs at least one word');
  return words.map(shellQuote).join(' ');
}
