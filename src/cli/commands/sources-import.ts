import fs from 'node:fs';
import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { SpoolError } from '../../errors.js';
import { parseSourcesIndex, readIndexFile } from '../../debian/sources-index.js';
import { validateName } from '../../spool/names.js';
import { fetchSourcesIndex } from '../../schedule/index-fetch.js';
import { type ImportReport, importSources } from '../../store/catalogue.js';
import { contextOf, mirrorOf, storeOf } from '../context.js';

interface Options {
  suite: string;
  arch: string[];
  index?: string;
  component: string;
}

export async function run(options: Options, command: Command): Promise<void> {
  const suite = validateName('suite', options.suite);
  const arches = options.arch.map((a) => validateName('architecture', a));
  const component = validateName('suite', options.component);
  const ctx = contextOf(command);
  const started = performance.now();
  const text = options.index ? readIndex(options.index) : await fetchSourcesIndex(ctx.spool, mirrorOf(ctx, suite), suite, component, ctx.settings.download);
  const records = parseSourcesIndex(text);
  ctx.out.progress(`parsed ${records.length} stanzas in ${Math.round(performance.now() - started)} ms`);
  const store = await storeOf(ctx);
  const reports: ImportReport[] = [];
  for (const arch of arches) reports.push(await importSources(store, records, suite, arch, new Date(ctx.spool.clock.now())));
  ctx.out.result(reports, () =>
    reports
      .map(
        (r) =>
          `${r.suite}/${r.architecture}: ${r.added} added, ${r.updated} updated, ${r.removed} removed, ${r.unchanged} unchanged ` +
          `(${r.notForArch} not for ${r.architecture})`,
      )
      .join('\n'),
  );
}

function readIndex(file: string): string {
  if (!fs.existsSync(file)) throw new SpoolError('usage', `index file ${JSON.stringify(file)} does not exist`);
  return readIndexFile(file);
}
