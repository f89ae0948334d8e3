import path from 'node:path';
import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { SpoolError } from '../../errors.js';
import { type RenderFormat, RENDER_FORMATS, render } from '../../jobs/render.js';
import { archOf, contextOf, suiteOf } from '../context.js';

interface Options {
  format: RenderFormat;
  command: string;
}

export async function run(options: Options, command: Command): Promise<void> {
  const ctx = contextOf(command, 'any');
  const configFile = (command.optsWithGlobals() as { config?: string }).config ?? process.env.REPRO_SPOOL_CONFIG;
  if (!configFile) throw new SpoolError('usage', 'jobs render needs the configuration that lists the jobs: pass --config FILE');
  if (!(RENDER_FORMATS as readonly string[]).includes(options.format))
    throw new SpoolError('usage', `invalid --format ${JSON.stringify(options.format)}: expected jjb or cron`);
  const suites = ctx.config.suites ?? [suiteOf(ctx, undefined)];
  const text = render(ctx.config, options.format, { command: options.command, configFile: path.resolve(configFile), suites, mainArch: archOf(undefined) });
  ctx.out.result({ format: options.format, text }, () => text.trimEnd());
}
