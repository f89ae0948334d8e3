import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { EXIT_CODES, SpoolError } from '../../errors.js';
import { builtArchitectures } from '../../config/config.js';
import { type AutoReport, scheduleAuto } from '../../schedule/auto.js';
import { CATEGORIES } from '../../schedule/categories.js';
import { validateText } from '../../schedule/place.js';
import { type Scheduled, type Selection, schedule } from '../../schedule/schedule.js';
import { newSeed } from '../../schedule/seeded-order.js';
import { validateName, validatePackageName } from '../../spool/names.js';
import { VERDICTS } from '../../store/records.js';
import { archOf, blacklistOf, contextOf, mirrorOf, requesterOf, storeOf, suiteOf, type CommandContext } from '../context.js';
import { hostArchitecture } from '../../debian/host.js';
import { table } from '../output.js';

interface Options {
  suite: readonly string[];
  arch: readonly string[];
  new?: boolean;
  auto?: boolean;
  status?: string;
  builtBefore?: string;
  builtAfter?: string;
  dryRun?: boolean;
  seed?: number;
  limit: number;
  priority: number;
  reason?: string;
  requester?: string;
}

export async function run(packages: string[], options: Options, command: Command): Promise<void> {
  packages.forEach(validatePackageName);
  const filtered = options.status !== undefined || options.builtBefore !== undefined || options.builtAfter !== undefined;
  const modes = [packages.length > 0, Boolean(options.new), Boolean(options.auto), filtered].filter(Boolean).length;
  if (modes !== 1) throw new SpoolError('usage', 'name packages to schedule, or pass one of --auto, --new, --status/--built-before/--built-after');
  const ctx = contextOf(command);
  if (options.auto) return runAuto(ctx, options);
  const selection: Selection = filtered ? { filter: filterOf(options) } : options.new ? { newOnly: true } : { named: packages };
  const manual = !options.new;
  const reason = validateText('--reason', options.reason ?? (options.new ? 'new upload' : 'scheduled by an operator'));
  const requester = requesterOf(options.requester);
  // The same defaults as `build`: the configuration's first suite, this machine's architecture.
  const suites = options.suite.length > 0 ? options.suite.map((s) => validateName('suite', s)) : [suiteOf(ctx, undefined)];
  const arches = options.arch.length > 0 ? options.arch.map((a) => archOf(a)) : [archOf(undefined)];
  const store = await storeOf(ctx);
  const report: Array<Scheduled & { suite: string; architecture: string }> = [];
  for (const suite of suites) {
    for (const arch of arches) {
      const part = await schedule(
        {
          spool: ctx.spool,
          store,
          mirror: filtered ? '' : mirrorOf(ctx, suite),
          download: ctx.settings.download,
          blacklist: blacklistOf(ctx),
          manualDailyLimit: ctx.settings.scheduler.manualDailyLimit,
        },
        {
          suite,
          arch,
          selection,
          limit: options.limit,
          priority: options.priority,
          reason,
          requester: manual ? requester : 'scheduler',
          dryRun: options.dryRun,
        },
      );
      report.push(...part.map((r) => ({ ...r, suite, architecture: arch })));
    }
  }
  ctx.out.result(report, () =>
    [
      ...(options.dryRun ? ['dry run: nothing was scheduled'] : []),
      report.length === 0
        ? 'nothing to schedule'
        : report.map((r) => `${r.outcome.padEnd(17)} ${r.pkg} ${r.version ?? ''}${r.detail && r.outcome !== 'scheduled' ? `: ${r.detail}` : ''}`).join('\n'),
    ].join('\n'),
  );
  process.exitCode = exitCodeOf(report);
}

function filterOf(options: Options) {
  if (options.status !== undefined && !(VERDICTS as readonly string[]).includes(options.status))
    throw new SpoolError('usage', `--status ${JSON.stringify(options.status)}: expected a verdict, one of ${VERDICTS.join(', ')}`);
  return { verdict: options.status, builtBefore: dateOf('--built-before', options.builtBefore), builtAfter: dateOf('--built-after', options.builtAfter) };
}

function dateOf(option: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const at = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(at)) throw new SpoolError('usage', `${option} ${JSON.stringify(value)}: expected a date, YYYY-MM-DD or an RFC 3339 time`);
  return new Date(at).toISOString();
}

async function runAuto(ctx: CommandContext, options: Options): Promise<void> {
  if (options.reason !== undefined || options.requester !== undefined)
    throw new SpoolError('usage', '--auto writes its own reason per category and requester "scheduler": leave out --reason and --requester');
  const suites = options.suite.length > 0 ? options.suite.map((s) => validateName('suite', s)) : (ctx.config.suites ?? [suiteOf(ctx, undefined)]);
  const arches = options.arch.length > 0 ? options.arch.map((a) => archOf(a)) : builtArchitectures(ctx.config, hostArchitecture());
  const seed = options.seed ?? newSeed();
  ctx.out.progress(`schedule --auto: ${suites.join(' ')} × ${arches.join(' ')}, seed ${seed}${options.dryRun ? ' (dry run)' : ''}`);
  const report = await scheduleAuto(
    { spool: ctx.spool, store: await storeOf(ctx), blacklist: blacklistOf(ctx), settings: ctx.settings.scheduler },
    { suites, arches, seed, dryRun: Boolean(options.dryRun) },
  );
  ctx.out.result(report, () => describeAuto(report));
  process.exitCode = report.scheduled.length > 0 ? EXIT_CODES.ok : EXIT_CODES.nothingToDo;
}

function describeAuto(report: AutoReport): string {
  const lines = [
    `${report.dryRun ? 'dry run: would schedule' : 'scheduled'} ${report.scheduled.length} (seed ${report.seed}; replay: --seed ${report.seed} --dry-run)`,
  ];
  for (const q of report.queues) {
    const added = report.scheduled.filter((s) => s.architecture === q.architecture);
    lines.push(`${q.architecture}: queue ${q.before} → ${q.after} (queueMax ${q.queueMax})${capNote(q)}`);
    const rows = CATEGORIES.map((c) => [c, added.filter((s) => s.category === c).length] as const).filter(([, n]) => n > 0);
    if (rows.length > 0) lines.push(table(rows.map(([c, n]) => [`  ${c}`, String(n)])));
  }
  if (report.blacklisted.length > 0)
    lines.push(`blacklisted (not scheduled): ${report.blacklisted.map((b) => `${b.suite}/${b.architecture}/${b.name}`).join(' ')}`);
  return lines.join('\n');
}

function capNote(q: AutoReport['queues'][number]): string {
  if (q.overfull) return ': at 3× queueMax or more, nothing added';
  return q.before > q.queueMax ? ': above queueMax, new versions only' : '';
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
