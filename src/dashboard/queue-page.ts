/**
 * The queue page (queue.html): every entry waiting in scheduled/, oldest first, with why
 * it was scheduled (category, reason, requester), the package's previous verdict there,
 * how long it has waited and its place in the build order; and, per suite/arch, the
 * queue per category, the age of the oldest result and the checks of the last days.
 */
import { age } from '../clock.js';
import { CATEGORIES, CATEGORY_MEANING } from '../schedule/categories.js';
import type { QueuedEntry } from '../schedule/queue.js';
import type { ChecksPerDay, LatestOfPackage, OldestResult } from '../store/overview.js';
import { type Html, href, html } from './html.js';

export interface QueueInput {
  /** In build order. */
  readonly queued: readonly QueuedEntry[];
  readonly previous: ReadonlyMap<string, LatestOfPackage>;
  readonly oldest: readonly OldestResult[];
  readonly perDay: readonly ChecksPerDay[];
  readonly now: number;
}

export const QUEUE_PAGE = 'queue.html';

export const previousKey = (suite: string, architecture: string, name: string) => `${suite}/${architecture}/${name}`;

export function queueBody(input: QueueInput): Html {
  const position = new Map(input.queued.map((q, i) => [q, i + 1]));
  const oldestFirst = [...input.queued].sort((a, b) => (a.scheduled ?? '~').localeCompare(b.scheduled ?? '~'));
  const rows = oldestFirst.map((q) => {
    const previous = input.previous.get(previousKey(q.suite, q.architecture, q.name));
    const waited = q.scheduled && !Number.isNaN(Date.parse(q.scheduled)) ? age(input.now - Date.parse(q.scheduled)) : '';
    return html`<tr data-package="${q.name}" data-category="${q.category ?? ''}"><td class="num">${position.get(q) ?? ''}</td>
<td><a href="${href(`packages/${q.name}.html`)}">${q.name}</a></td><td>${q.version}</td><td>${q.suite}/${q.architecture}</td>
<td title="${q.category ? CATEGORY_MEANING[q.category] : 'scheduled without a category'}">${q.category ?? '—'}</td>
<td>${q.reason ?? ''}</td><td>${q.requester ?? ''}</td><td>${previous ? previousVerdict(previous) : 'never tested'}</td>
<td class="num">${waited}</td><td class="num">${q.attempt > 1 ? q.attempt : ''}</td></tr>`;
  });
  return html`<p><a href="index.html">dashboard</a></p><h1>Queue</h1>
${summary(input)}
<h2 id="entries">Waiting entries (${input.queued.length}), oldest first</h2>
<p class="muted">"builds as" is the place in the order jobs pick them: manual requests, then new versions, untested packages,
retries and old re-tests, each by the time it is due.</p>
<table class="queue"><tr><th>builds as</th><th>package</th><th>version</th><th>suite/arch</th><th>category</th><th>reason</th><th>requester</th>
<th>previous verdict</th><th>waiting</th><th>attempt</th></tr>${rows}</table>`;
}

function previousVerdict(previous: LatestOfPackage): Html {
  return html`<span class="verdict v-${previous.verdict}">${previous.verdict}</span> ${previous.version} (${previous.buildDate.slice(0, 10)})`;
}

function summary(input: QueueInput): Html {
  const keys = [...new Set([...input.queued.map((q) => `${q.suite}/${q.architecture}`), ...input.oldest.map((o) => `${o.suite}/${o.architecture}`)])].sort();
  const days = [...new Set(input.perDay.map((d) => d.day))].sort();
  const rows = keys.map((key) => {
    const queued = input.queued.filter((q) => `${q.suite}/${q.architecture}` === key);
    const oldest = input.oldest.find((o) => `${o.suite}/${o.architecture}` === key);
    return html`<tr data-suite="${key}"><td>${key}</td>${CATEGORIES.map((c) => html`<td class="num">${queued.filter((q) => q.category === c).length}</td>`)}
<td class="num">${queued.length}</td><td>${oldest ? `${oldest.buildDate.slice(0, 10)} (${age(input.now - Date.parse(oldest.buildDate))} ago)` : ''}</td>
${days.map((day) => html`<td class="num">${input.perDay.find((d) => d.day === day && `${d.suite}/${d.architecture}` === key)?.checks ?? 0}</td>`)}</tr>`;
  });
  return html`<table class="queue-summary"><tr><th>suite/arch</th>${CATEGORIES.map((c) => html`<th title="${CATEGORY_MEANING[c]}">${c}</th>`)}<th>queued</th>
<th>oldest result</th>${days.map((d) => html`<th title="checks recorded that day">${d.slice(5)}</th>`)}</tr>${rows}</table>`;
}
