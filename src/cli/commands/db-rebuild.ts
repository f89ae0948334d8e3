import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { archiveRoot } from '../../archive/format.js';
import { builtArchitectures } from '../../config/config.js';
import { parseSourcesIndex, type RejectedStanza } from '../../debian/sources-index.js';
import { hostArchitecture } from '../../debian/host.js';
import { EXIT_CODES, SpoolError } from '../../errors.js';
import { importSources } from '../../store/catalogue.js';
import { applyArchived, archivedRecords } from '../../store/rebuild.js';
import { contextOf, storeOf, suiteOf } from '../context.js';
import { fetchVerified, reportRejected } from './sources-import.js';

interface Options {
  fromArchive?: boolean;
  catalogue: boolean;
}

export async function run(options: Options, command: Command): Promise<void> {
  if (!options.fromArchive) throw new SpoolError('usage', 'db rebuild needs --from-archive (the only source it rebuilds from)');
  const ctx = contextOf(command);
  const store = await storeOf(ctx);
  const archived = archivedRecords(ctx.spool.layout);
  ctx.out.progress(`${archived.records.length} concluded checks in ${archiveRoot(ctx.spool.layout)}; applying them to ${store.describe()}`);
  for (const { file, problem } of archived.unreadable) ctx.out.progress(`not applied: ${file} is ${problem}`);
  const added = await store.write((db) => applyArchived(db, archived));
  const catalogue: Array<{ suite: string; architecture: string; added: number }> = [];
  if (options.catalogue) {
    const suites = ctx.config.suites ?? [suiteOf(ctx, undefined)];
    for (const suite of suites) {
      const rejected: RejectedStanza[] = [];
      const records = parseSourcesIndex(await fetchVerified(ctx, suite, 'main'), rejected);
      reportRejected(ctx.out, rejected);
      for (const architecture of builtArchitectures(ctx.config, hostArchitecture())) {
        const report = await importSources(store, records, suite, architecture, new Date(ctx.spool.clock.now()));
        catalogue.push({ suite, architecture, added: report.added + report.updated });
      }
    }
  }
  const report = { checks: archived.records.length, added, unconcluded: archived.unconcluded, unreadable: archived.unreadable, catalogue };
  ctx.out.result(report, () =>
    [
      `${added} of ${archived.records.length} archived checks were missing from the database and are back ` +
        `(${archived.unconcluded} archived checks without a verdict left out)`,
      ...catalogue.map((c) => `catalogue ${c.suite}/${c.architecture}: ${c.added} sources imported`),
      ...archived.unreadable.map((u) => `NOT APPLIED: ${u.file}: ${u.problem}`),
    ].join('\n'),
  );
  if (archived.unreadable.length > 0) process.exitCode = EXIT_CODES.integrity;
}
