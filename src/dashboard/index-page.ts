/** The dashboard's front page: variations, nodes, each suite/arch against its whole catalogue and over time, builds in progress, durations, recent builds. */
import fs from 'node:fs';
import path from 'node:path';
import { PUBLISHED_FILES } from '../publish/export.js';
import { age } from '../clock.js';
import { artifactsOf, differingFilesOf } from './artifacts.js';
import { historyChart } from './chart.js';
import { listPath } from './list-page.js';
import { QUEUE_PAGE } from './queue-page.js';
import { ISSUES_INDEX } from './issue-page.js';
import { type BuildingNow, type DashboardData, type NodeView } from './data.js';
import type { PastVerdict } from '../store/history.js';
import type { Durations } from '../store/overview.js';
import { type Html, href, html } from './html.js';
import type { DaySnapshot } from '../store/verdict-days.js';
import type { SuiteOverview } from './stats.js';
import type { RecordedFindings } from '../archive/consistency.js';
import { type NodePair, variationsSection } from './variations-view.js';
import type { Varied } from '../builder/variations.js';
import { BUILD_STAGES } from '../builder/stages.js';

export interface IndexInput {
  readonly data: DashboardData;
  readonly pairs: readonly NodePair[];
  readonly varied: Varied;
  readonly suites: readonly SuiteOverview[];
  readonly days: ReadonlyMap<string, readonly DaySnapshot[]>;
  readonly durations: readonly Durations[];
  /** How many of each node's latest builds the durations are of, at most. */
  readonly durationSample: number;
  readonly recent: readonly PastVerdict[];
  readonly outDir: string;
  readonly now: number;
  /** What the last `check` found (undefined: it never ran). */
  readonly consistency: RecordedFindings | 'unreadable' | undefined;
}

export function indexBody(input: IndexInput): Html {
  const { data } = input;
  const counts = data.main.counts;
  const duplicates = data.main.duplicates.length ? `, ${data.main.duplicates.length} in two states (run reap)` : '';
  return html`<h1>repro-spool: reproducible builds</h1>
<p>main spool: <a href="${QUEUE_PAGE}">${counts.scheduled ?? 0} scheduled</a> (the queue), ${counts.failed ?? 0} failed,
${data.main.quarantined} quarantined${duplicates}. <a href="${ISSUES_INDEX}">Issues</a> from the notes.</p>
${variationsSection(input.pairs, data.nodeInfo, input.varied)}
${nodesSection(data.nodes, input.now)}
${suitesSection(input.suites, input.days)}
${buildingSection(data.building)}
${durationsSection(input.durations, input.durationSample)}
${recentSection(input)}
${consistencySection(input.consistency)}
${publishedSection(input.outDir)}`;
}

/** The files `export json` publishes beside the pages, for tracker.debian.org and other consumers (README.md, "Published files"). */
function publishedSection(outDir: string): Html {
  const title = html`<h2 id="published">Published files</h2>`;
  const present = PUBLISHED_FILES.flatMap((name) => {
    const stat = fs.statSync(path.join(outDir, name), { throwIfNoEntry: false });
    return stat ? [{ name, stat }] : [];
  });
  if (present.length === 0) return html`${title}<p class="muted">\`repro-spool export json\` has not published them here yet.</p>`;
  const rows = present.map(
    ({ name, stat }) => html`<tr><td><a href="${href(name)}">${name}</a></td><td>${stat.size} bytes</td><td>${stat.mtime.toISOString()}</td></tr>`,
  );
  return html`${title}<table class="published"><tr><th>file</th><th>size</th><th>written</th></tr>${rows}</table>`;
}

/** At most this many findings are listed; the count says how many there are. */
const SHOWN_FINDINGS = 50;

function consistencySection(consistency: IndexInput['consistency']): Html {
  const title = html`<h2 id="consistency">Consistency</h2>`;
  if (consistency === undefined) return html`${title}<p class="muted">\`repro-spool check\` has not run yet.</p>`;
  if (consistency === 'unreadable') return html`${title}<p>The last check's findings file cannot be read: run \`repro-spool check\` again.</p>`;
  const { checkedAt, findings } = consistency;
  if (findings.length === 0) return html`${title}<p>As <code>check</code> found at ${checkedAt}: the archive, reproducible.db and the spool agree.</p>`;
  const rows = findings.slice(0, SHOWN_FINDINGS).map((f) => html`<tr><td>${f.class}</td><td>${f.subject}</td><td>${f.detail}</td></tr>`);
  return html`${title}<p>As <code>check</code> found at ${checkedAt}: <span class="finding-count">${findings.length}</span> findings${
    findings.length > SHOWN_FINDINGS ? `, the first ${SHOWN_FINDINGS} shown` : ''
  }.</p><table class="findings"><tr><th>class</th><th>about</th><th>what</th></tr>${rows}</table>`;
}

function nodesSection(nodes: readonly NodeView[], now: number): Html {
  const unknown = html`<span class="muted" title="not readable from here, and not reported by collect-info yet">—</span>`;
  const rows = nodes.map((n) => {
    const q = n.queue;
    const cell = (value: string | number) => (q ? html`<span title="${q.asOf ? `as reported at ${q.asOf}` : 'read now'}">${value}</span>` : unknown);
    const state = n.health?.offlineSince
      ? html`<span class="offline">OFFLINE since ${n.health.offlineSince}</span> (${n.health.failures} failures: ${n.health.lastFailure})`
      : n.health
        ? html`failing (${n.health.failures}: ${n.health.lastFailure})`
        : 'ok';
    return html`<tr data-node="${n.name}"><td>${n.name}</td><td>${n.arch ?? ''}</td><td class="num">${n.shipped}</td>
<td class="num">${cell(q?.inbox ?? 0)}</td><td class="num">${cell(q?.pending ?? 0)}</td><td class="num">${cell(q?.stale ?? 0)}</td>
<td>${cell(q?.oldestPendingMs == null ? '' : age(q.oldestPendingMs))}</td><td>${state}</td>
<td>${n.infoCollectedAt ? `${n.infoCollectedAt} (${age(now - Date.parse(n.infoCollectedAt))} ago)` : 'never'}</td></tr>`;
  });
  return html`<h2 id="nodes">Nodes</h2><table class="nodes"><tr><th>node</th><th>arch</th><th>shipped by main</th><th>inbox</th><th>pending</th>
<th>stale</th><th>oldest pending</th><th>health</th><th>info collected</th></tr>${rows}</table>`;
}

function suitesSection(suites: readonly SuiteOverview[], days: ReadonlyMap<string, readonly DaySnapshot[]>): Html {
  const verdicts = [...new Set(suites.flatMap((c) => Object.keys(c.byVerdict).filter((v) => c.byVerdict[v]! > 0)))].sort();
  const share = (n: number, whole: number) => `${n} (${whole ? ((100 * n) / whole).toFixed(1) : '0.0'}%)`;
  const rows = suites.map((c) => {
    const none = html`<span class="muted" title="no Sources index imported for ${c.suite}/${c.architecture}">—</span>`;
    const of = (n: number | undefined) => html`<td class="num">${n === undefined ? none : share(n, c.whole)}</td>`;
    return html`<tr data-suite="${c.suite}/${c.architecture}"><td>${c.suite}/${c.architecture}</td>
<td class="num">${c.catalogue ?? html`<span class="muted" title="no Sources index imported: percentages are of the tested packages">—</span>`}</td>
${of(c.tested)}${of(c.untested)}${of(c.scheduled)}${of(c.building)}${of(c.failed)}${verdicts.map((v) => {
      const n = c.byVerdict[v] ?? 0;
      return html`<td class="num">${n > 0 ? html`<a href="${href(listPath(c.suite, c.architecture, v))}">${share(n, c.whole)}</a>` : share(n, c.whole)}</td>`;
    })}<td class="num">${c.removed || ''}</td><td class="versus-archive">${
      c.versusArchive ? `${c.versusArchive.matching} of ${c.versusArchive.compared}` : ''
    }</td></tr>`;
  });
  const charts = suites
    .filter((c) => days.has(`${c.suite}/${c.architecture}`))
    .map((c) => historyChart(`verdicts of ${c.suite}/${c.architecture} over time`, days.get(`${c.suite}/${c.architecture}`)!));
  return html`<h2 id="suites">Suites and architectures</h2>
<p class="muted">Percentages are of the whole catalogue (the source packages of the imported Sources index),
or of the tested packages where no index was imported. Verdicts are each package's latest.</p>
<table class="suites"><tr><th>suite/arch</th><th>catalogue</th><th>tested</th><th>untested</th><th>scheduled</th><th>building now</th>
<th>failed (gave up)</th>${verdicts.map((v) => html`<th><span class="verdict v-${v}">${v}</span></th>`)}
<th title="tested, then removed from the archive">removed</th>
<th title="packages whose build 1 .debs are all byte for byte the archive's, of those compared
(built with the suite's current build dependencies, not the .buildinfo's)">same as the archive</th></tr>${rows}</table>${charts}`;
}

function buildingSection(building: readonly BuildingNow[]): Html {
  const rows = building.map(
    (b) => html`<tr data-package="${b.id.pkg}"><td><a href="${href(`packages/${b.id.pkg}.html`)}">${b.id.pkg}</a></td><td>${b.id.version}</td>
<td>${b.id.suite}/${b.id.arch}</td>
<td>${b.node}</td><td>${b.buildNumber === undefined ? '?' : `build ${b.buildNumber}`}</td><td class="num">${age(b.ageMs)}</td></tr>`,
  );
  return html`<h2 id="building">Building now</h2>${
    building.length
      ? html`<table class="building"><tr><th>package</th><th>version</th><th>suite/arch</th><th>node</th><th>build</th><th>since</th></tr>${rows}</table>`
      : html`<p class="muted">Nothing is at a node now.</p>`
  }`;
}

function durationsSection(list: readonly Durations[], sample: number): Html {
  const rows = list.map(
    (d) =>
      html`<tr data-node="${d.node}" data-build="${d.buildNumber}"><td>${d.node}</td><td>build ${d.buildNumber}</td><td class="num">${d.count}</td>
<td class="num">${d.medianSeconds.toFixed(1)} s</td><td class="num">${d.p95Seconds.toFixed(1)} s</td>${BUILD_STAGES.map(
        (stage) => html`<td class="num stage-${stage}">${d.stageMedians[stage] === undefined ? '' : `${d.stageMedians[stage].toFixed(1)} s`}</td>`,
      )}</tr>`,
  );
  return html`<h2 id="durations">Build durations per node</h2>
<p class="muted">Of each node's latest ${sample} builds that built: a depwait, an unfetchable source or a failure ends early, a timeout at the limit.
Then the median of each stage: setup (source, chroot copy, apt update), install (build dependencies), build (dpkg-buildpackage), package (what follows).</p>
<table class="durations"><tr><th>node</th><th>build</th><th>builds</th><th>median</th><th>p95</th>${BUILD_STAGES.map(
    (stage) => html`<th>${stage}</th>`,
  )}</tr>${rows}</table>`;
}

export function artifactLinks(data: DashboardData, fromDir: string, row: PastVerdict): Html[] {
  return artifactsOf(data.layout, data.archived, row).map((a) => html`<a href="${href(path.relative(fromDir, a.file))}">${a.label}</a> `);
}

function recentSection(input: IndexInput): Html {
  const rows = input.recent.map((r) => {
    const builds = r.builds;
    return html`<tr><td>${r.buildDate}</td><td><a href="${href(`packages/${r.name}.html`)}">${r.name}</a></td><td>${r.version}</td>
<td>${r.suite}/${r.architecture}</td>
<td><span class="verdict v-${r.verdict}">${r.verdict}</span>${r.detail ? html`<br><small class="detail">${r.detail}</small>` : ''}</td>
<td class="differing">${differingFilesOf(input.data.layout, input.data.archived, r).map((f) => html`<div>${f.file}</div>`)}</td>
<td>${builds.map((b) => `${b.node} (${b.durationSeconds.toFixed(1)} s) `)}</td><td>${artifactLinks(input.data, input.outDir, r)}</td></tr>`;
  });
  return html`<h2 id="recent">Recent builds</h2><table class="recent"><tr><th>date</th><th>package</th><th>version</th><th>suite/arch</th><th>verdict</th>
<th>differing files</th><th>builds</th><th>artifacts</th></tr>${rows}</table>`;
}
