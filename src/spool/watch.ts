/**
 * Waiting for the spool to change without polling it: chokidar watches the directories
 * (never the entry files: one inotify watch per file exhausts the limit on a big inbox),
 * and any event, raw or not, only means "look again" after a short debounce. Events can
 * be lost (the kernel's inotify queue overflows silently), so a full look also runs at
 * start and every rescanMs; the spool on disk stays the only truth.
 */
import { type FSWatcher, watch } from 'chokidar';

export interface SpoolWatchSettings {
  readonly rescanMs: number;
  readonly debounceMs: number;
}

export interface SpoolWatch {
  /** Resolves when the initial directory scan is done and events flow. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Calls look() at start, after each burst of changes under dirs (which must exist), and
 * every rescanMs.
 * Calls never overlap: changes during a look schedule exactly one more.
 */
export function watchSpool(
  dirs: readonly string[],
  settings: SpoolWatchSettings,
  look: () => Promise<void> | void,
  onError: (error: Error) => void,
): SpoolWatch {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let closed = false;
  const run = async (): Promise<void> => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await look();
    } catch (error) {
      onError(error as Error);
    } finally {
      running = false;
    }
    if (again) {
      again = false;
      void run();
    }
  };
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void run(), settings.debounceMs);
  };
  const watcher: FSWatcher = watch([...dirs], {
    ignoreInitial: true,
    followSymlinks: false,
    ignored: (_path, stats) => stats?.isFile() === true,
  });
  watcher
    .on('all', soon)
    .on('raw', soon)
    .on('error', (error) => onError(error as Error));
  const rescan = setInterval(() => void run(), settings.rescanMs);
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve())).then(run);
  return {
    ready,
    async close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(rescan);
      await watcher.close();
    },
  };
}
