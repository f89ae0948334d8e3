/** A page per suite, architecture and verdict listing its packages, as the operators' "unreproducible in bookworm/amd64". */
import { type Html, href, html } from './html.js';
import type { LatestVerdict } from '../store/overview.js';
import { VERDICTS } from '../store/records.js';
import { isName } from '../spool/names.js';
import { SpoolError, quoteValue } from '../errors.js';

/**
 * Relative to the dashboard's root directory. Its parts come from reproducible.db: each is
 * checked against its grammar before it becomes a path (both stores refuse such records, but
 * a database is a file an operator can edit, and it outlives versions).
 */
export function listPath(suite: string, architecture: string, verdict: string): string {
  if (!isName('suite', suite) || !isName('architecture', architecture) || !(VERDICTS as readonly string[]).includes(verdict)) {
    throw new SpoolError(
      'integrity',
      `reproducible.db holds the verdict ${quoteValue(verdict)} for ${quoteValue(`${suite}/${architecture}`)}: expected one of ${VERDICTS.join(', ')} ` +
        'for a suite/architecture of plain names; no page is written for it',
    );
  }
  return `lists/${suite}/${architecture}/${verdict}.html`;
}

/** The packages of one suite/arch whose latest verdict is `verdict`, of `total` with a verdict there. */
export function listBody(suite: string, architecture: string, verdict: string, packages: readonly LatestVerdict[], total: number): Html {
  const rows = [...packages]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((r) => html`<tr><td><a href="${href(`../../../packages/${r.name}.html`)}">${r.name}</a></td><td>${r.version}</td><td>${r.buildDate}</td></tr>`);
  return html`<p><a href="../../../index.html">dashboard</a></p>
<h1>${suite}/${architecture}: <span class="verdict v-${verdict}">${verdict}</span></h1>
<p>${rows.length} of ${total} packages.</p><table class="list"><tr><th>package</th><th>version</th><th>verdict since</th></tr>${rows}</table>`;
}
