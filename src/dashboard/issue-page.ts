/**
 * The pages of the notes' issues: issues/index.html lists every issue with how many
 * packages it explains, and issues/NAME.html one issue's description and the packages
 * whose note names it, by their latest verdict (where the note applies to the tested
 * version), so the issue that explains the most unreproducible packages stands out.
 */
import { type Html, href, html } from './html.js';
import type { IssueDefinition } from '../notes/notes-file.js';
import { isIssueName } from '../notes/notes-file.js';
import { SpoolError, quoteValue } from '../errors.js';
import { groupBy } from '../group-by.js';

export const ISSUES_INDEX = 'issues/index.html';

/** Relative to the dashboard's root; the name comes from reproducible.db and is held to its grammar first. */
export function issuePagePath(issue: string): string {
  if (!isIssueName(issue)) throw new SpoolError('integrity', `reproducible.db holds the issue name ${quoteValue(issue)}: no page is written for it`);
  return `issues/${issue}.html`;
}

export interface AffectedPackage {
  readonly name: string;
  readonly version: string;
  readonly suite: string;
  readonly architecture: string;
  readonly verdict: string;
}

export function issueBody(issue: IssueDefinition, affected: readonly AffectedPackage[]): Html {
  const sections = [...groupBy(affected, (a) => a.verdict)]
    .sort((a, b) => b[1].length - a[1].length)
    .map(
      ([
        verdict,
        packages,
      ]) => html`<h2><span class="verdict v-${verdict}">${verdict}</span>: ${packages.length}</h2><table class="affected" data-verdict="${verdict}">
<tr><th>package</th><th>version</th><th>suite/arch</th></tr>${packages.map(
        (p) => html`<tr><td><a href="${href(`../packages/${p.name}.html`)}">${p.name}</a></td><td>${p.version}</td><td>${p.suite}/${p.architecture}</td></tr>`,
      )}</table>`,
    );
  return html`<p><a href="../index.html">dashboard</a> · <a href="index.html">issues</a></p><h1>${issue.name}</h1>
<pre class="description">${issue.description}</pre>${issue.url && /^https?:\/\//.test(issue.url) ? html`<p><a href="${issue.url}">${issue.url}</a></p>` : ''}
${affected.length ? sections : html`<p class="muted">no tested package whose note names it</p>`}`;
}

export function issuesIndexBody(issues: readonly IssueDefinition[], affected: ReadonlyMap<string, readonly AffectedPackage[]>): Html {
  const rows = [...issues]
    .sort((a, b) => (affected.get(b.name)?.length ?? 0) - (affected.get(a.name)?.length ?? 0) || a.name.localeCompare(b.name))
    .map((i) => html`<tr><td><a href="${href(`${i.name}.html`)}">${i.name}</a></td><td>${affected.get(i.name)?.length ?? 0}</td></tr>`);
  return html`<p><a href="../index.html">dashboard</a></p><h1>Issues</h1>
<p>${issues.length} issues from the notes, by the tested packages (suite/arch) whose note names them.</p>
<table class="issues"><tr><th>issue</th><th>packages</th></tr>${rows}</table>`;
}
