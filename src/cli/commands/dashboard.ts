import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { generateDashboard } from '../../dashboard/generate.js';
import { contextOf, knownMirrorOf, publishDirOf, storeOf } from '../context.js';

interface Options {
  out?: string;
}

export async function run(options: Options, command: Command): Promise<void> {
  const ctx = contextOf(command);
  const outDir = publishDirOf(ctx, options.out);
  const started = performance.now();
  const summary = await generateDashboard(ctx.spool, ctx.config, await storeOf(ctx), outDir, {
    mirrorOf: (suite) => knownMirrorOf(ctx, suite),
    health: ctx.settings.health,
    varied: ctx.settings.build.varied,
  });
  const seconds = (performance.now() - started) / 1000;
  ctx.out.result(
    { ...summary, seconds },
    () =>
      `${summary.index}: ${summary.results} results; package pages: ${summary.packagePages.written} written, ` +
      `${summary.packagePages.unchanged} unchanged, ${summary.packagePages.removed} removed; ${seconds.toFixed(2)} s`,
  );
}
