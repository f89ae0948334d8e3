/** Which optional build tools work on this machine, asked once per process. */
import { runQuick } from '../process/run.js';

const answers = new Map<string, boolean>();

function works(key: string, command: string, args: string[]): boolean {
  if (!answers.has(key)) answers.set(key, runQuick(command, args, { discardOutput: true }).exitCode === 0);
  return answers.get(key)!;
}

/** A UTS namespace needs root (CAP_SYS_ADMIN): without it the hostname variation is skipped. */
export const canUnshareUts = () => works('unshare', 'unshare', ['--uts', 'true']);
export const hasFaketime = () => works('faketime', 'faketime', ['-f', '+1d', 'true']);
export const hasDiffoscope = () => works('diffoscope', 'diffoscope', ['--version']);
export const hasDisorderfs = () => works('disorderfs', 'disorderfs', ['--version']);
