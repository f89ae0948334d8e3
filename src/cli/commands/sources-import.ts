import fs from 'node:fs';
import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { SpoolError } from '../../errors.js';
import { type RejectedStanza, parseSourcesIndex, readIndexFile } from '../../debian/sources-index.js';
import type { Output } from '../output.js';
import { validateName } from '../../spool/names.js';
import { fetchSourcesIndex } from '../../schedule/index-fetch.js';
import { type ImportReport, importSources } from '../../store/catalogue.js';
import { type CommandContext, contextOf, indexTrustOf, mirrorOf, storeOf } from '../context.js';

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
  const text = options.index ? readIndex(options.index) : await fetchVerified(ctx, suite, component);
  const rejected: RejectedStanza[] = [];
  const records = parseSourcesIndex(text, rejected);
  ctx.out.progress(`parsed ${records.length} stanzas in ${Math.round(performance.now() - started)} ms`);
  reportRejected(ctx.out, rejected);
  const store = await storeOf(ctx);
  const reports: Array<ImportReport & { rejectedStanzas: number }> = [];
  for (const arch of arches) {
    reports.push({ ...(await importSources(store, records, suite, arch, new Date(ctx.spool.clock.now()))), rejectedStanzas: rejected.length });
  }
  ctx.out.result(reports, () =>
    reports
      .map(
        (r) =>
          `${r.suite}/${r.architecture}: ${r.added} added, ${r.updated} updated, ${r.removed} removed, ${r.unchanged} unchanged ` +
          `(${r.notForArch} not for ${r.architecture}${r.rejectedStanzas ? `, ${r.rejectedStanzas} stanzas of the index refused` : ''})`,
      )
      .join('\n'),
  );
}

/** The first few refused stanzas by line, then how many: a hostile index must not flood the log either. */
export function reportRejected(out: Output, rejected: readonly RejectedStanza[]): void {
  const shown = 20;
  for (const r of rejected.slice(0, shown)) out.progress(`refused a stanza of the Sources index: ${r.problem}`);
  if (rejected.length > shown) out.progress(`… and ${rejected.length - shown} more stanzas refused`);
}

/** The suite's Sources index from the mirror, verified as the configuration says, saying how on stderr. */
export async function fetchVerified(ctx: CommandContext, suite: string, component: string): Promise<string> {
  const fetched = await fetchSourcesIndex(ctx.spool, mirrorOf(ctx, suite), suite, component, ctx.settings.download, indexTrustOf(ctx));
  ctx.out.progress(fetched.verification);
  return fetched.text;
}

function readIndex(file: string): string {
  if (!fs.existsSync(file)) throw new SpoolError('usage', `index file ${JSON.stringify(file)} does not exist`);
  return readIndexFile(file);
}
