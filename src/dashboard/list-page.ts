/** A page per suite, architecture and verdict listing its packages, as the operators' "unreproducible in bookworm/amd64". */
import { type Html, href, html } from './html.js';
import type { VerdictCounts } from './stats.js';

/** Relative to the dashboard's root directory. */
export function listPath(suite: string, architecture: string, verdict: string): string {
  return `lists/${suite}/${architecture}/${verdict}.html`;
}

export function listBody(counts: VerdictCounts, verdict: string): Html {
  const rows = [...counts.latest.values()]
    .filter((r) => r.verdict === verdict)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((r) => html`<tr><td><a href="${href(`../../../packages/${r.name}.html`)}">${r.name}</a></td><td>${r.version}</td><td>${r.buildDate}</td></tr>`);
  return html`<p><a href="../../../index.html">dashboard</a></p>
<h1>${counts.suite}/${counts.architecture}: <span class="verdict v-${verdict}">${verdict}</span></h1>
<p>${rows.length} of ${counts.total} packages.</p><table class="list"><tr><th>package</th><th>version</th><th>verdict since</th></tr>${rows}</table>`;
}
