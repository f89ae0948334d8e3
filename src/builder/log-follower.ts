/**
 * Following a log file that a child process writes directly (its stdout is the file,
 * not a pipe to us, so a crash of ours never blocks or kills it): each complete new
 * line is handed to onLine, read every intervalMs and once more on stop.
 */
import fs from 'node:fs';

export interface LogFollower {
  stop(): void;
}

export function followLog(file: string, onLine: (line: string) => void, intervalMs = 500): LogFollower {
  let offset = 0;
  let partial = '';
  const readNew = () => {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      return; // not created yet
    }
    try {
      const buffer = Buffer.alloc(64 * 1024);
      for (;;) {
        const n = fs.readSync(fd, buffer, 0, buffer.length, offset);
        if (n === 0) break;
        offset += n;
        const lines = (partial + buffer.toString('utf8', 0, n)).split('\n');
        partial = lines.pop()!;
        for (const line of lines) onLine(line);
      }
    } finally {
      fs.closeSync(fd);
    }
  };
  const timer = setInterval(readNew, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      readNew();
    },
  };
}

/** The last lines of a log, indented, for an error message that says why without sending a person to the file. */
export function logTail(file: string, lines: number): string {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
  return text.split('\n').slice(-lines).join('\n  ');
}
