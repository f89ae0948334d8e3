/**
 * A page per source package: its source in the archive, its note (comments, issues, bugs),
 * where it is in the spool now, every verdict with its builds, what differs and its artifacts.
 */
import { describeVersusArchive } from '../archive/versus-archive.js';
import { describeDifferingFile } from '../builder/diffoscope-report.js';
import { differingFilesOf } from './artifacts.js';
import type { DashboardData } from './data.js';
import type { PastVerdict } from '../store/history.js';
import { type Html, html } from './html.js';
import { artifactLinks } from './index-page.js';
import type { PackageNote } from '../notes/notes-file.js';
import { noteApplies } from '../notes/applies.js';
import { issuePagePath } from './issue-page.js';
import { describeStageSeconds } from '../builder/stages.js';

/** Debian's bug tracker, where the bug numbers of the notes are. */
const DEBIAN_BUG_URL = 'https://bugs.debian.org/';

/** The note, and to which of the package's tested versions it applies (its own version and later). */
function notesSection(note: PackageNote | undefined, rows: readonly PastVerdict[]): Html {
  if (!note) return html`<h2>Notes</h2><p class="muted">no notes</p>`;
  const latest = new Map(rows.map((r) => [`${r.suite}/${r.architecture}`, r.version]));
  const applies = [...latest].filter(([, version]) => noteApplies(note, version)).map(([key, version]) => `${key} ${version}`);
  return html`<h2>Notes</h2><div class="notes"><p>written for ${note.version ? `version ${note.version}` : 'every version'}${
    latest.size ? html`; applies to ${applies.length ? applies.join(', ') : 'none of the tested versions'}` : ''
  }</p>${note.comments ? html`<pre class="comments">${note.comments}</pre>` : ''}${
    note.issues.length ? html`<ul class="issues">${note.issues.map((i) => html`<li><a href="../${issuePagePath(i)}">${i}</a></li>`)}</ul>` : ''
  }${note.bugs.length ? html`<ul class="bugs">${note.bugs.map((b) => html`<li><a href="${DEBIAN_BUG_URL}${b}">#${b}</a></li>`)}</ul>` : ''}</div>`;
}

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

export function packageBody(
  name: string,
  rows: readonly PastVerdict[],
  data: DashboardData,
  pageDir: string,
  sources: readonly PackageSource[],
  note: PackageNote | undefined,
): Html {
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
<td><span class="verdict v-${r.verdict}">${r.verdict}</span>${r.detail ? html`<br><small class="detail">${r.detail}</small>` : ''}${
      r.notVaried.length ? html`<br><small class="not-varied">not varied: ${r.notVaried.join(', ')}</small>` : ''
    }</td>
<td>${r.builds.map(
      (b) =>
        html`build ${b.buildNumber} on ${b.node}: ${b.status}, ${b.durationSeconds.toFixed(1)} s${
          b.stageSeconds ? html` <small class="stages">(${describeStageSeconds(b.stageSeconds)})</small>` : ''
        }<br>`,
    )}</td>
<td class="differing">${differing.map((f) => html`<div>${describeDifferingFile(f)}</div>`)}</td>
<td class="versus-archive">${r.versusArchive ? describeVersusArchive(r.versusArchive) : ''}</td><td>${artifactLinks(data, pageDir, r)}</td></tr>`;
  });
  return html`<p><a href="../index.html">dashboard</a></p><h1>${name}</h1><h2>Source</h2>${source}${notesSection(note, rows)}<h2>In the spool</h2>${spool}
<h2>Verdicts</h2><table class="history"><tr><th>date</th><th>version</th><th>suite/arch</th><th>verdict</th><th>builds</th><th>what differs</th>
<th title="build 1's .debs against the archive's in the suite's Packages index;
built with the suite's current build dependencies, not the .buildinfo's exact versions">versus the archive</th>
<th>artifacts</th></tr>${history}</table>
<p class="muted">“Versus the archive” compares build 1 (which varies nothing) with the archive's own .debs of the same name. Build 1 installs the
suite's current build dependencies, not the .buildinfo's exact versions as debrebuild does, so a .deb that differs may be the dependencies' doing.</p>`;
}
