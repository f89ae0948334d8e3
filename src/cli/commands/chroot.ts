import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { createChroot } from '../../chroot/create.js';
import { type ChrootTarball, findTarball, listTarballs } from '../../chroot/tarballs.js';
import { age } from '../../clock.js';
import { table } from '../output.js';
import { type CommandContext, archOf, chrootMirrorOf, chrootSettingsOf, contextOf, suiteOf } from '../context.js';

interface Options {
  suite?: string;
  arch?: string;
}

export async function run(options: Options, command: Command): Promise<void> {
  const ctx = contextOf(command, 'create');
  const dir = chrootSettingsOf(ctx).dir;
  if (command.name() === 'ls') {
    const tarballs = listTarballs(dir);
    ctx.out.result(tarballs.map(describeJson), () =>
      tarballs.length === 0
        ? `(no chroots in ${dir})`
        : table([
            ['SUITE', 'ARCH', 'MADE', 'SIZE', 'PATH'],
            ...tarballs.map((t) => [
              t.suite,
              t.arch,
              `${t.created.toISOString()} (${age(ctx.spool.clock.now() - t.created.getTime())} ago)`,
              `${Math.round(t.bytes / 1e6)} MB`,
              t.path,
            ]),
          ]),
    );
    return;
  }
  const suite = suiteOf(ctx, options.suite);
  const arch = archOf(options.arch);
  const existing = findTarball(dir, suite, arch);
  if (command.name() === 'create' && existing) {
    ctx.out.result(
      { ...describeJson(existing), made: false },
      () => `${suite}/${arch}: exists, made ${existing.created.toISOString()} (${existing.path}); \`chroot update\` makes it anew`,
    );
    return;
  }
  const made = await ensureChroot(ctx, suite, arch, true);
  ctx.out.result({ ...describeJson(made), made: true }, () => `${suite}/${arch}: made ${made.path} (${Math.round(made.bytes / 1e6)} MB)`);
}

/** The base chroot of suite/arch, made first if missing (or always, with anew). Progress goes to stderr. */
export async function ensureChroot(ctx: CommandContext, suite: string, arch: string, anew = false): Promise<ChrootTarball> {
  const dir = chrootSettingsOf(ctx).dir;
  const existing = anew ? undefined : findTarball(dir, suite, arch);
  if (existing) return existing;
  const mirror = chrootMirrorOf(ctx, suite);
  ctx.out.progress(`making the ${suite}/${arch} build chroot with mmdebstrap from ${mirror} (about a minute)`);
  const started = Date.now();
  const made = await createChroot(ctx.spool, {
    dir,
    mirror,
    suite,
    arch,
    timeoutMs: ctx.settings.build.chrootCreateTimeoutMs,
    killGraceMs: ctx.spool.thresholds.killGraceMs,
    progress: (line) => ctx.out.progress(line),
  });
  ctx.out.progress(`chroot ${suite}/${arch} made in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return made;
}

function describeJson(t: ChrootTarball) {
  return { suite: t.suite, arch: t.arch, path: t.path, created: t.created.toISOString(), bytes: t.bytes };
}
