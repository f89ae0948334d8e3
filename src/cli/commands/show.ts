import fs from 'node:fs';
import { describeVersusArchive } from '../../archive/versus-archive.js';
import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { describeDifferingFile } from '../../builder/diffoscope-report.js';
import { archivedDifferingFiles } from '../../dashboard/artifacts.js';
import { checkDir } from '../../archive/format.js';
import { SpoolError } from '../../errors.js';
import { CorruptEntryError } from '../../spool/entry.js';
import { formatId } from '../../spool/identity.js';
import { listEntries } from '../../spool/inspect.js';
import { placeFromName } from '../../spool/layout.js';
import { judgeLock } from '../../spool/lock.js';
import { validatePackageName, validateVersion } from '../../spool/names.js';
import { readEntryFile } from '../../spool/read-entry.js';
import { hasResultMarker } from '../../spool/results.js';
import { ALL_VARIED, variationTable } from '../../builder/variations.js';
import { parseVaried } from '../../builder/variation-spec.js';
import { verdictHistory } from '../../store/history.js';
import { linkFilesOf } from '../../trust/verdict-link.js';
import { contextOf, optionalName, storeOf } from '../context.js';
import { forPeople, table } from '../output.js';
import { stagesOf } from '../../builder/stages.js';

interface Options {
  suite?: string;
  arch?: string;
}

export async function run(pkg: string, version: string | undefined, options: Options, command: Command): Promise<void> {
  validatePackageName(pkg);
  if (version !== undefined) validateVersion(version);
  const filter = { pkg, suite: optionalName('suite', options.suite), arch: optionalName('architecture', options.arch) };
  const ctx = contextOf(command);
  const { spool, out } = ctx;
  const found = listEntries(spool, filter).filter((e) => version === undefined || e.version === version);
  const store = await storeOf(ctx);
  const verdicts = store.exists() ? await store.read((db) => verdictHistory(db, { name: pkg, version, suite: filter.suite, architecture: filter.arch })) : [];
  if (found.length === 0 && verdicts.length === 0) {
    throw new SpoolError('nothingToDo', `${pkg}${version ? ` ${version}` : ''} has no entry in ${spool.layout.root} and no verdict in ${store.describe()}`);
  }
  const views = found.map((e) => {
    const lock = judgeLock(spool, e);
    let fields: Record<string, string> | undefined;
    let corrupt: string | undefined;
    let varied = ALL_VARIED;
    try {
      const entry = readEntryFile(e.path, e, placeFromName(e.state));
      fields = entry && Object.fromEntries(entry.fields.entries());
      varied = parseVaried(fields?.Variations, `the Variations of ${formatId(e)}`);
    } catch (error) {
      if (!(error instanceof CorruptEntryError) && !(error instanceof SpoolError && error.kind === 'integrity')) throw error;
      corrupt = error.message;
    }
    const node = fields?.Node;
    const results = node ? spool.layout.resultsPath(node, e) : undefined;
    return {
      ...e,
      variations: variationTable(e.arch, {}, varied),
      fields,
      corrupt,
      lock: { health: lock.health, reason: lock.reason, owner: lock.owner },
      results: results && fs.existsSync(results) ? { path: results, complete: hasResultMarker(results) } : undefined,
    };
  });
  const checks = verdicts.map((v) => {
    const archive = checkDir(spool.layout, { suite: v.suite, arch: v.architecture, pkg: v.name, version: v.version }, v.buildDate);
    const artifacts = fs.existsSync(archive) ? archive : null;
    return { ...v, artifacts, differingFiles: artifacts ? archivedDifferingFiles(artifacts) : [], links: artifacts ? linkFilesOf(artifacts) : [] };
  });
  out.result({ entries: views, verdicts: checks }, () =>
    [
      ...views.map((v) =>
        [
          `${formatId(v)}  [${v.state}]  ${spool.layout.relative(v.path)}`,
          v.corrupt
            ? `  CORRUPT: ${v.corrupt}`
            : Object.entries(v.fields ?? {})
                .map(([k, val]) => `  ${k}: ${val}`)
                .join('\n'),
          `  lock: ${v.lock.health} (${v.lock.reason})`,
          v.results ? `  results: ${spool.layout.relative(v.results.path)}${v.results.complete ? '' : ' (incomplete)'}` : '',
          `  variations (build 1 | build 2):\n${table(v.variations.map((r) => [`    ${r.name}`, r.first, '|', r.second]))}`,
        ]
          .filter(Boolean)
          .join('\n'),
      ),
      checks.length === 0
        ? ''
        : [
            `verdicts of ${pkg}, newest first:`,
            ...checks.map((c) =>
              [
                `  ${c.buildDate}  ${c.version}  ${c.suite}/${c.architecture}  ${c.verdict}`,
                ...(c.detail ? [`    ${c.detail}`] : []),
                ...(c.notVaried.length > 0 ? [`    not varied: ${c.notVaried.join(', ')}`] : []),
                ...c.builds.map(
                  (b) =>
                    `    build ${b.buildNumber} on ${b.node}: ${b.status} in ${b.durationSeconds.toFixed(1)} s${stagesOf(b.stageSeconds)}` +
                    `, started ${b.startedAt}${b.exitCode === null ? '' : `, exit ${b.exitCode}`}`,
                ),
                ...c.differingFiles.map((f) => `    differs: ${describeDifferingFile(f)}`),
                ...(c.versusArchive ? [`    versus the archive: ${describeVersusArchive(c.versusArchive)}`] : []),
                ...(c.artifacts ? [`    artifacts: ${forPeople(c.artifacts)}`] : []),
                ...(c.links.length > 0 ? [`    in-toto links: ${c.links.join(', ')} (checked by \`repro-spool verify\`)`] : []),
              ].join('\n'),
            ),
          ].join('\n'),
    ]
      .filter(Boolean)
      .join('\n\n'),
  );
}
