/**
 * A page per suite, architecture and verdict listing its packages, as the operators'
 * "unreproducible in bookworm/amd64", each marked when it has a note; and per suite and
 * architecture the packages that need one most: unreproducible or FTBFS, without notes.
 */
import { type Html, href, html } from './html.js';
import type { LatestVerdict } from '../store/overview.js';
import { DIFFERING_VERDICTS, VERDICTS } from '../store/records.js';
import { isName } from '../spool/names.js';
import { SpoolError, quoteValue } from '../errors.js';

/**
 * Relative to the dashboard's root directory. Its parts come from reproducible.db: each is
 * checked against its grammar before it becomes a path (both stores refuse such records, but
 * a database is a file an operator can edit, and it outlives versions).
 */
export function listPath(suite: string, architecture: string, verdict: string): string {
  if (!(VERDICTS as readonly string[]).includes(verdict)) throw badList(suite, architecture, verdict);
  return `${listDir(suite, architecture, verdict)}/${verdict}.html`;
}

function badList(suite: string, architecture: string, verdict: string): SpoolError {
  return new SpoolError(
    'integrity',
    `reproducible.db holds the verdict ${quoteValue(verdict)} for ${quoteValue(`${suite}/${architecture}`)}: expected one of ${VERDICTS.join(', ')} ` +
      'for a suite/architecture of plain names; no page is written for it',
  );
}

function listDir(suite: string, architecture: string, verdict: string): string {
  if (!isName('suite', suite) || !isName('architecture', architecture)) throw badList(suite, architecture, verdict);
  return `lists/${suite}/${architecture}`;
}

/** The verdicts whose packages most need a note explaining them. */
export const NEED_NOTES: readonly string[] = [...DIFFERING_VERDICTS, 'FTBFS'];
const NO_NOTES = 'no-notes';

export function noNotesListPath(suite: string, architecture: string): string {
  return `${listDir(suite, architecture, NO_NOTES)}/${NO_NOTES}.html`;
}

function rowsOf(packages: readonly LatestVerdict[], noted: ReadonlySet<string>, withVerdict: boolean): Html[] {
  return [...packages]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(
      (r) =>
        html`<tr data-package="${r.name}"><td><a href="${href(`../../../packages/${r.name}.html`)}">${r.name}</a></td><td>${r.version}</td>${
          withVerdict ? html`<td><span class="verdict v-${r.verdict}">${r.verdict}</span></td>` : ''
        }<td>${r.buildDate}</td><td class="noted">${noted.has(r.name) ? 'notes' : ''}</td></tr>`,
    );
}

/** The packages of one suite/arch whose latest verdict is `verdict`, of `total` with a verdict there; those with a note are marked. */
export function listBody(
  suite: string,
  architecture: string,
  verdict: string,
  packages: readonly LatestVerdict[],
  total: number,
  noted: ReadonlySet<string>,
): Html {
  const withNotes = packages.filter((p) => noted.has(p.name)).length;
  const toNoNotes = NEED_NOTES.includes(verdict) ? html` · <a href="${NO_NOTES}.html">unreproducible or FTBFS without notes</a>` : '';
  return html`<p><a href="../../../index.html">dashboard</a>${toNoNotes}</p>
<h1>${suite}/${architecture}: <span class="verdict v-${verdict}">${verdict}</span></h1>
<p>${packages.length} of ${total} packages; ${withNotes} with notes.</p><table class="list"><tr><th>package</th><th>version</th><th>verdict since</th>
<th>notes</th></tr>${rowsOf(packages, noted, false)}</table>`;
}

/** The unreproducible and FTBFS packages of one suite/arch that no note explains yet. */
export function noNotesBody(suite: string, architecture: string, packages: readonly LatestVerdict[]): Html {
  return html`<p><a href="../../../index.html">dashboard</a></p>
<h1>${suite}/${architecture}: unreproducible or FTBFS, without notes</h1>
<p>${packages.length} packages.</p><table class="list"><tr><th>package</th><th>version</th><th>verdict</th><th>verdict since</th>
<th>notes</th></tr>${rowsOf(packages, new Set(), true)}</table>`;
}
