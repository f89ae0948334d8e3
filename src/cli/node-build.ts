/**
 * What a node's build commands (`build N`, `exchange N`, the watch agent) share with main's
 * checks: the entry argument, the stop signal, the builder's settings. Kept apart from
 * build.ts so a node's command loads none of main's check code (ssh, comparison, store):
 * a node starts one process per build.
 */
import { type BuilderSettings } from '../builder/build-node.js';
import { type EntryId, entryId } from '../spool/identity.js';
import { SpoolError } from '../errors.js';
import { type CommandContext, chrootSettingsOf, mirrorOf } from './context.js';

export function parseEntryId(text: string): EntryId {
  const parts = text.split('/');
  if (parts.length !== 4) throw new SpoolError('usage', `invalid --entry ${JSON.stringify(text)}: expected SUITE/ARCH/PKG/VERSION`);
  const [suite, arch, pkg, version] = parts as [string, string, string, string];
  return entryId(suite, arch, pkg, version);
}

/**
 * Jenkins aborts a job with SIGTERM, systemd stops with it, a person presses Ctrl-C: the
 * first such signal stops the check or build cleanly (its process group ended, its entry
 * handed back by the code that holds it); a second one ends the process at once.
 */
export function stopOnSignal(ctx: CommandContext): AbortSignal {
  const controller = new AbortController();
  for (const name of ['SIGTERM', 'SIGINT'] as const) {
    process.once(name, () => {
      ctx.out.progress(`${name}: stopping; the entry goes back where it came from (send it again to end at once)`);
      controller.abort();
    });
  }
  return controller.signal;
}

export function builderSettings(ctx: CommandContext, suite: string): BuilderSettings {
  return {
    builder: ctx.config.builder,
    chroots: chrootSettingsOf(ctx),
    clock: ctx.config.clock,
    progress: (message) => ctx.out.progress(message),
    mirror: mirrorOf(ctx, suite),
    download: ctx.settings.download,
    buildTimeoutMs: ctx.settings.build.buildTimeoutMs,
    killGraceMs: ctx.spool.thresholds.killGraceMs,
  };
}
