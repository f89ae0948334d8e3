import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { SpoolError, EXIT_CODES } from '../../errors.js';
import { validatePackageName } from '../../spool/names.js';
import { type Scheduled, schedule } from '../../schedule/schedule.js';
import { archOf, blacklistOf, contextOf, mirrorOf, storeOf, suiteOf } from '../context.js';

interface Options {
  suite?: string;
  arch?: string;
  new?: boolean;
  limit: number;
  priority: number;
  reason: string;
}

export async function run(packages: string[], options: Options, command: Command): Promise<void> {
  packages.forEach(validatePackageName);
  if (packages.length > 0 === Boolean(options.new)) throw new SpoolError('usage', 'name packages to schedule, or pass --new (not both)');
  const ctx = contextOf(command);
  // The same defaults as `build`.
  const suite = suiteOf(ctx, options.suite);
  const arch = archOf(options.arch);
  const report = await schedule(
    { spool: ctx.spool, store: await storeOf(ctx), mirror: mirrorOf(ctx, suite), download: ctx.settings.download, blacklist: blacklistOf(ctx) },
    { suite, arch, packages, newOnly: options.new, limit: options.limit, priority: options.priority, reason: options.reason },
  );
  ctx.out.result(report, () =>
    report.length === 0
      ? 'nothing to schedule'
      : report.map((r) => `${r.outcome.padEnd(17)} ${r.pkg} ${r.version ?? ''}${r.detail && r.outcome !== 'scheduled' ? `: ${r.detail}` : ''}`).join('\n'),
  );
  process.exitCode = exitCodeOf(report);
}

/** The most serious outcome decides: 6 unreachable, 5 checksum mismatch, 2 unknown package, 1 E404, 3 nothing done (all already scheduled or blacklisted). */
function exitCodeOf(report: readonly Scheduled[]): number {
  const has = (outcome: Scheduled['outcome']) => report.some((r) => r.outcome === outcome);
  if (has('unreachable')) return EXIT_CODES.unreachable;
  if (has('checksum-mismatch')) return EXIT_CODES.integrity;
  if (has('unknown')) return EXIT_CODES.usage;
  if (has('E404')) return EXIT_CODES.failed;
  return has('scheduled') ? EXIT_CODES.ok : EXIT_CODES.nothingToDo;
}
