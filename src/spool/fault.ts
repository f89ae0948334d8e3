/**
 * Named crash points for the crash-safety tests: with REPRO_SPOOL_FAULT=claim:after-link
 * the process SIGKILLs itself at that point, exactly as a power cut or OOM kill would.
 * Several points may be given, comma-separated. Unset in production: a string compare.
 */
const armed = new Set((process.env.REPRO_SPOOL_FAULT ?? '').split(',').filter(Boolean));

export function faultPoint(name: string): void {
  if (armed.has(name)) process.kill(process.pid, 'SIGKILL');
}
