/**
 * `verify PATH|PKG`: a check's in-toto links against the keys repro-spool publishes (main's,
 * current and previous, and the node keys main pins): the check at PATH (a check directory
 * of the archive), or PKG's latest archived check. Exit 0, or 5 naming each failure.
 */
import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import fs from 'node:fs';
import path from 'node:path';
import { walkArchive } from '../../archive/checks.js';
import { EXIT_CODES, SpoolError, quoteValue } from '../../errors.js';
import { validatePackageName } from '../../spool/names.js';
import { verifyCheck } from '../../trust/verify-check.js';
import { contextOf, optionalName } from '../context.js';

interface Options {
  suite?: string;
  arch?: string;
}

export async function run(target: string, options: Options, command: Command): Promise<void> {
  const ctx = contextOf(command);
  const { layout } = ctx.spool;
  let check: string;
  if (target.includes('/') || fs.existsSync(target)) {
    check = path.resolve(target);
    if (!fs.statSync(check, { throwIfNoEntry: false })?.isDirectory()) throw new SpoolError('usage', `${quoteValue(target)} is not a check's directory`);
  } else {
    validatePackageName(target);
    const suite = optionalName('suite', options.suite);
    const arch = optionalName('architecture', options.arch);
    const latest = walkArchive(layout)
      .checks.filter((c) => c.id.pkg === target && (!suite || c.id.suite === suite) && (!arch || c.id.arch === arch))
      .sort((a, b) => b.at - a.at)[0];
    if (!latest)
      throw new SpoolError('nothingToDo', `${target} has no archived check in ${layout.root}${suite ? ` for ${suite}` : ''}${arch ? `/${arch}` : ''}`);
    check = latest.dir;
  }
  const verified = verifyCheck(layout, check);
  const result = { ...verified, check: layout.relative(verified.check), verified: verified.problems.length === 0 };
  ctx.out.result(result, () =>
    [
      `${result.check}: ${result.verified ? 'verified' : 'FAILED'}`,
      ...verified.links.map(
        (l) =>
          `  ${l.file}: ${l.step}, ${l.signer ? `signed for ${l.signedFor} by ${l.signer}` : `NOT signed by a key of ${l.signedFor}`}, ` +
          `${l.products} products${l.pruned ? ` (${l.pruned} pruned by retention, their hashes kept)` : ''}`,
      ),
      ...verified.problems.map((p) => `  FAILED: ${p}`),
    ].join('\n'),
  );
  if (!result.verified) process.exitCode = EXIT_CODES.integrity;
}
