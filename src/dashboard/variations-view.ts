/**
 * The seed's "table with the differences between 1st and 2nd build": what the builder
 * varies on purpose (the code's table), and what differs between the two nodes a job
 * pairs, from their collected node information (differing rows highlighted).
 */
import { type Varied, variationTable } from '../builder/variations.js';
import { type Html, html } from './html.js';

export interface NodePair {
  readonly label: string;
  readonly node1: string;
  readonly node2: string;
  readonly arch: string;
}

export type InfoByNode = ReadonlyMap<string, { readonly collectedAt: string; readonly values: Readonly<Record<string, string>> }>;

/** Keys that describe the node's queue or its signing keys rather than its build environment. */
const NOT_ENVIRONMENT = /^(SPOOL_|SIGNING_KEY)/;

export function variationsSection(pairs: readonly NodePair[], info: InfoByNode, varied: Varied): Html {
  const arches = [...new Set(pairs.map((p) => p.arch))];
  const tables = arches.map((arch) => {
    const rows = variationTable(arch, {}, varied).map(
      (v) =>
        html`<tr class="${varied.has(v.id) ? 'varied' : 'not-varied'}"><td>${v.name}</td><td><code>${v.id}</code></td><td>${v.first}</td><td>${v.second}</td>
<td class="muted">${v.applied}</td></tr>`,
    );
    return html`<table class="variations" data-arch="${arch}"><caption>varied by the builder (${arch}; the configuration's <code>variations</code>,
changed per check by <code>--vary</code>)</caption>
<tr><th>variation</th><th>--vary name</th><th>1st build</th><th>2nd build</th><th>applied by</th></tr>${rows}</table>`;
  });
  return html`<h2 id="variations">What differs between the 1st and 2nd build</h2>${tables}${pairs.map((p) => pairTable(p, info))}`;
}

function pairTable(pair: NodePair, info: InfoByNode): Html {
  const one = info.get(pair.node1);
  const two = info.get(pair.node2);
  if (!one || !two) {
    const missing = [one ? undefined : pair.node1, two ? undefined : pair.node2].filter(Boolean).join(' and ');
    return html`<p class="muted">${pair.label}: no node information for ${missing} yet (run <code>repro-spool collect-info</code>).</p>`;
  }
  const keys = [...new Set([...Object.keys(one.values), ...Object.keys(two.values)])].filter((k) => !NOT_ENVIRONMENT.test(k)).sort();
  const rows = keys.map((key) => {
    const [a, b] = [one.values[key] ?? '', two.values[key] ?? ''];
    // DATETIME always differs (taken at different moments): what matters is each clock's drift from main's.
    const differs = key === 'DATETIME' ? false : a !== b;
    return html`<tr class="${differs ? 'differs' : 'same'}" data-key="${key}"><td>${key}</td><td>${a}</td><td>${b}</td></tr>`;
  });
  const drift = (values: Readonly<Record<string, string>>, collectedAt: string) => {
    const seconds = Math.round((Date.parse(values.DATETIME ?? '') - Date.parse(collectedAt)) / 1000);
    return Number.isFinite(seconds) ? `${seconds > 0 ? '+' : ''}${seconds === 0 ? 0 : seconds} s` : 'unknown';
  };
  const [d1, d2] = [drift(one.values, one.collectedAt), drift(two.values, two.collectedAt)];
  const driftDiffers = d1 !== d2;
  return html`<table class="pair" data-pair="${pair.node1} ${pair.node2}"><caption>${pair.label}: ${pair.node1} (1st) and ${pair.node2} (2nd)</caption>
<tr><th>node information</th><th>${pair.node1}</th><th>${pair.node2}</th></tr>${rows}
<tr class="${driftDiffers ? 'differs' : 'same'}" data-key="CLOCK_DRIFT"><td>CLOCK_DRIFT (vs main at collection)</td><td>${d1}</td><td>${d2}</td></tr></table>`;
}
