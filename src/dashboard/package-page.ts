/** A page per source package: its source in the archive, where it is in the spool now, every verdict with its builds, what differs and its artifacts. */
import { describeDifferingFile } from '../builder/diffoscope.js';
import { differingFilesOf } from './artifacts.js';
import type { DashboardData } from './data.js';
import type { PastVerdict } from '../store/history.js';
import { type Html, html } from './html.js';
import { artifactLinks } from './index-page.js';

/** The package as a suite/arch's imported Sources index lists it now. */
export interface PackageSource {
  readonly suite: string;
  readonly architecture: string;
  readonly version: string;
  readonly dscPath: string;
  /** The .dsc on the configured mirror; undefined when no mirror is known for the suite. */
  readonly dscUrl: string | undefined;
}

function dscLink(source: PackageSource): Html | string {
  return source.dscUrl ? html`<a href="${source.dscUrl}">${source.dscPath}</a>` : source.dscPath;
}

export function packageBody(name: string, rows: readonly PastVerdict[], data: DashboardData, pageDir: string, sources: readonly PackageSource[]): Html {
  const source = sources.length
    ? html`<ul class="sources">${sources.map((s) => html`<li>${s.suite}/${s.architecture}: ${s.version}, ${dscLink(s)}</li>`)}</ul>`
    : html`<p class="muted">in no imported Sources index</p>`;
  const now = data.inSpool.get(name) ?? [];
  const spool = now.length
    ? html`<ul class="spool">${now.map((e) => html`<li>${e.suite}/${e.architecture} ${e.version}: ${e.state}</li>`)}</ul>`
    : html`<p class="muted">not in the spool now</p>`;
  const history = [...rows].reverse().map((r) => {
    const differing = differingFilesOf(data.layout, data.archived, r);
    return html`<tr><td>${r.buildDate}</td><td>${r.version}</td><td>${r.suite}/${r.architecture}</td>
<td><span class="verdict v-${r.verdict}">${r.verdict}</span>${r.detail ? html`<br><small class="detail">${r.detail}</small>` : ''}</td>
<td>${r.builds.map((b) => html`build ${b.buildNumber} on ${b.node}: ${b.status}, ${b.durationSeconds.toFixed(1)} s<br>`)}</td>
<td class="differing">${differing.map((f) => html`<div>${describeDifferingFile(f)}</div>`)}</td><td>${artifactLinks(data, pageDir, r)}</td></tr>`;
  });
  return html`<p><a href="../index.html">dashboard</a></p><h1>${name}</h1><h2>Source</h2>${source}<h2>In the spool</h2>${spool}
<h2>Verdicts</h2><table class="history"><tr><th>date</th><th>version</th><th>suite/arch</th><th>verdict</th><th>builds</th><th>what differs</th>
<th>artifacts</th></tr>${history}</table>`;
}
