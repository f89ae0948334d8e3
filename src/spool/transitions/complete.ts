/**
 * complete (node): moves a pending entry's build to reproducible-results/$NODE/…/$VERSION/
 * and removes the pending entry. The results directory is assembled in tmp/ (entry copy,
 * files, and the `result` marker last, each fsynced) and renamed into place whole.
 *
 * Lock: the entry lock (the builder's, or taken here with purpose "complete"; exit 4 if
 * a live process holds it). An existing results directory is never replaced (exit 1).
 * Faults: complete:after-temp (partial dir in tmp/, entry still pending: the reaper
 * removes the temp and hands the stale entry back); complete:after-rename (results
 * complete and entry still pending: the reaper sees the results and unlinks the pending
 * entry); complete:after-unlink (done; only the dead lock is left to break).
 */
import fs from 'node:fs';
import path from 'node:path';
import { SpoolError } from '../../errors.js';
import { copyDurable, fsyncDir, placeDirectory, stageDirectory, writeDurable } from '../../durable/atomic.js';
import { CorruptEntryError, type Entry, formatEntry, nodeOf } from '../entry.js';
import { faultPoint } from '../../durable/fault.js';
import { type EntryId, formatId } from '../identity.js';
import { PENDING, RESULT_MARKER } from '../layout.js';
import { type EntryLock, lockEntry } from '../lock.js';
import { readEntryFile, lexists } from '../read-entry.js';
import type { BuildStatus } from '../build-status.js';
import { resultStanza } from '../results.js';
import type { Spool } from '../spool.js';
import { quarantine } from './quarantine.js';

export interface CompleteInput {
  readonly id: EntryId;
  readonly status: BuildStatus;
  /** Further fields of the `result` file (Build-Number, Start, Duration, Exit-Code…). */
  readonly fields?: ReadonlyArray<readonly [string, string | number | undefined]>;
  /** Files to place in the results directory, by name: contents, or a file to copy. */
  readonly files?: Readonly<Record<string, string | Uint8Array | { readonly copyFrom: string }>>;
}

export async function complete(spool: Spool, held: EntryLock | undefined, input: CompleteInput): Promise<string> {
  const { layout } = spool;
  const lock = held ?? (await lockEntry(spool, input.id, 'complete'));
  try {
    const pendingPath = layout.entryPath(PENDING, input.id);
    const entry = readPending(spool, pendingPath, input.id);
    const node = nodeOf(entry)!;
    const target = layout.resultsPath(node, input.id);
    if (lexists(target)) {
      throw new SpoolError('failed', `results for ${formatId(input.id)} already exist at ${target}: refusing to replace them`);
    }
    const staging = stageResults(spool, entry, input, node);
    faultPoint('complete:after-temp');
    lock.assertHeld();
    placeDirectory(layout, staging, target); // target checked absent under the lock
    faultPoint('complete:after-rename');
    fs.unlinkSync(pendingPath);
    fsyncDir(path.dirname(pendingPath));
    faultPoint('complete:after-unlink');
    return target;
  } finally {
    await lock.release();
  }
}

/** Assembles the results directory in tmp/, marker last; on any failure (ENOSPC…) nothing is left. */
function stageResults(spool: Spool, entry: Entry, input: CompleteInput, node: string): string {
  return stageDirectory(spool.layout, 'results', (staging) => {
    for (const [name, data] of Object.entries(input.files ?? {})) {
      if (name.includes('/') || name === RESULT_MARKER || name === 'entry' || name.startsWith('.')) {
        throw new SpoolError('usage', `invalid results file name ${JSON.stringify(name)}: expected a plain file name`);
      }
      if (typeof data === 'object' && 'copyFrom' in data) copyDurable(data.copyFrom, path.join(staging, name));
      else writeDurable(path.join(staging, name), data);
    }
    writeDurable(path.join(staging, 'entry'), formatEntry(entry));
    const marker: Array<readonly [string, string | number | undefined]> = [
      ['Source', input.id.pkg],
      ['Version', input.id.version],
      ['Suite', input.id.suite],
      ['Architecture', input.id.arch],
      ['Node', node],
      ['Status', input.status],
      ['Finished', new Date(spool.clock.now()).toISOString()],
      ...(input.fields ?? []),
    ];
    writeDurable(path.join(staging, RESULT_MARKER), resultStanza(marker));
  });
}

function readPending(spool: Spool, pendingPath: string, id: EntryId) {
  try {
    const entry = readEntryFile(pendingPath, id, PENDING);
    if (!entry) throw new SpoolError('nothingToDo', `${formatId(id)} is not pending: nothing to complete`);
    return entry;
  } catch (error) {
    if (!(error instanceof CorruptEntryError)) throw error;
    const record = quarantine(spool, pendingPath, `corrupt entry: ${error.message}`, 'complete');
    throw new SpoolError('integrity', `${formatId(id)} was corrupt (${error.message}); quarantined in ${record.slot}`);
  }
}
