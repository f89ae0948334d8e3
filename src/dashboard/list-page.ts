/** A page per suite, architecture and verdict listing its packages, as the operators' "unreproducible in bookworm/amd64". */
import { type Html, href, html } from './html.js';
import type { LatestVerdict } from '../store/overview.js';

/** Relative to the dashboard's root directory. */
export function listPath(suite: string, architecture: string, verdict: string): string {
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
