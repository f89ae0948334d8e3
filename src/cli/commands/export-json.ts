import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { exportJson } from '../../publish/export.js';
import { contextOf, publishDirOf, storeOf, suiteOf } from '../context.js';
import { forPeople } from '../output.js';

const PROGRESS_EVERY_ROWS = 50_000;

export async function run(options: { out?: string; trackerSuite?: string }, command: Command): Promise<void> {
  const ctx = contextOf(command);
  const started = performance.now();
  const reported = new Map<string, number>();
  const summary = await exportJson(await storeOf(ctx), {
    outDir: publishDirOf(ctx, options.out),
    trackerSuite: suiteOf(ctx, options.trackerSuite ?? ctx.config.publish.trackerSuite),
    compressTimeoutMs: ctx.settings.publish.compressTimeoutMs,
    progress: (file, rows) => {
      if (rows - (reported.get(file) ?? 0) < PROGRESS_EVERY_ROWS) return;
      reported.set(file, rows);
      ctx.out.progress(`${file}: ${rows} rows written`);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  ctx.out.result({ ...summary, seconds }, () =>
    [
      ...summary.files.map(forPeople),
      `export json: ${summary.rows} results, ${summary.trackerPackages} packages of ${summary.trackerSuite} in the tracker file; ${seconds.toFixed(2)} s`,
    ].join('\n'),
  );
}
