import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { EXIT_CODES } from '../../errors.js';
import { reap } from '../../spool/reaper/reap.js';
import { countByAction } from '../../spool/reaper/report.js';
import { contextOf, thisNodeOf } from '../context.js';

export async function run(options: { dryRun?: boolean; node?: string }, command: Command): Promise<void> {
  const ctx = contextOf(command);
  const { spool, out } = ctx;
  const report = await reap(spool, { dryRun: options.dryRun ?? false, thisNode: thisNodeOf(options.node, ctx) });
  const counts = countByAction(report.actions);
  out.result({ ...report, counts }, () => {
    const lines = report.actions.map(
      (a) => `${a.outcome === 'done' ? '' : `[${a.outcome}] `}${a.action} ${a.path}: ${a.reason}${a.detail ? ` (${a.detail})` : ''}`,
    );
    const summary = Object.entries(counts)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ');
    lines.push(`reap${report.dryRun ? ' --dry-run' : ''}: ${summary || 'nothing to do'} (${report.scanned.entries} entries in ${report.durationMs} ms)`);
    return lines.join('\n');
  });
  if (report.actions.some((a) => a.outcome === 'error')) process.exitCode = EXIT_CODES.failed;
}
