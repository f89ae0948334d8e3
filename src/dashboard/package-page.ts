/** A page per source package: where it is in the spool now, every verdict with its builds and artifacts. */
import { type DashboardData, type HistoryRow } from './data.js';
import { type Html, html } from './html.js';
import { artifactLinks } from './index-page.js';

export function packageBody(name: string, rows: readonly HistoryRow[], data: DashboardData, pageDir: string): Html {
  const now = data.inSpool.get(name) ?? [];
  const spool = now.length
    ? html`<ul>${now.map((e) => html`<li>${e.suite}/${e.architecture} ${e.version}: ${e.state}</li>`)}</ul>`
    : html`<p class="muted">not in the spool now</p>`;
  const history = [...rows].reverse().map((r) => {
    const builds = r.builds;
    return html`<tr><td>${r.buildDate}</td><td>${r.version}</td><td>${r.suite}/${r.architecture}</td><td><span class="verdict v-${r.verdict}">${r.verdict}</span>${r.detail ? html`<br><small class="detail">${r.detail}</small>` : ''}</td>
<td>${builds.map((b) => html`build ${b.buildNumber} on ${b.node}: ${b.status}, ${b.durationSeconds.toFixed(1)} s<br>`)}</td><td>${artifactLinks(data, pageDir, r)}</td></tr>`;
  });
  return html`<p><a href="../index.html">dashboard</a></p><h1>${name}</h1><h2>In the spool</h2>${spool}
<h2>Verdicts</h2><table class="history"><tr><th>date</th><th>version</th><th>suite/arch</th><th>verdict</th><th>builds</th><th>artifacts</th></tr>${history}</table>`;
}
