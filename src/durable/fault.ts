/**
 * Named crash points for the crash-safety tests: with REPRO_SPOOL_FAULT=claim:after-link
 * the process SIGKILLs itself at that point, exactly as a power cut or OOM kill would.
 * With REPRO_SPOOL_STALL=store:before-commit:15000 it freezes there instead (the whole
 * event loop, timers included, as a VM pause or SIGSTOP would), once, so its locks go stale.
 * Several points may be given, comma-separated. Unset in production: a string compare.
 */
const armed = new Set((process.env.REPRO_SPOOL_FAULT ?? '').split(',').filter(Boolean));
const stalls = new Map(
  (process.env.REPRO_SPOOL_STALL ?? '')
    .split(',')
    .filter(Boolean)
    .map((spec) => {
      const at = spec.lastIndexOf(':');
      return [spec.slice(0, at), Number(spec.slice(at + 1))] as const;
    }),
);

export function faultPoint(name: string): void {
  if (armed.has(name)) process.kill(process.pid, 'SIGKILL');
  const stallMs = stalls.get(name);
  if (stallMs === undefined) return;
  stalls.delete(name); // a pause happens once; the retry after it runs at full speed
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, stallMs);
}
