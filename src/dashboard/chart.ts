/** The verdict history of one suite/arch as a stacked bar chart in inline SVG (no script, no service). */
import type { Verdict } from '../store/records.js';
import { type Html, VERDICT_COLOURS, html } from './html.js';
import type { DaySnapshot } from '../store/verdict-days.js';

const WIDTH = 720;
const HEIGHT = 200;
const LEFT = 50;
const MAX_DAYS = 180;
const MAX_BAR = 24;

export function historyChart(title: string, series: readonly DaySnapshot[]): Html {
  const days = series.slice(-MAX_DAYS);
  const verdicts = (Object.keys(VERDICT_COLOURS) as Verdict[]).filter((v) => days.some((d) => (d.byVerdict[v] ?? 0) > 0));
  const peak = Math.max(1, ...days.map((d) => Object.values(d.byVerdict).reduce((a, b) => a + b, 0)));
  const slot = Math.min(MAX_BAR, (WIDTH - LEFT) / Math.max(days.length, 1));
  const bars = days.map((d, i) => {
    let y = HEIGHT;
    return verdicts.map((v) => {
      const n = d.byVerdict[v] ?? 0;
      if (n === 0) return '';
      const h = (n / peak) * (HEIGHT - 10);
      y -= h;
      const box = { x: (LEFT + i * slot).toFixed(1), y: y.toFixed(1), width: Math.max(slot - 1, 1).toFixed(1), height: h.toFixed(1) };
      return html`<rect x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}" fill="${VERDICT_COLOURS[v]}">
<title>${d.day}: ${n} ${v}</title></rect>`;
    });
  });
  const legend = verdicts.map(
    (v, i) =>
      html`<rect x="${LEFT + i * 110}" y="${HEIGHT + 22}" width="10" height="10" fill="${VERDICT_COLOURS[v]}"/>
<text x="${LEFT + i * 110 + 14}" y="${HEIGHT + 31}">${v}</text>`,
  );
  const first = days[0]?.day ?? '';
  const last = days.at(-1)?.day ?? '';
  return html`<svg role="img" aria-label="${title}" width="${WIDTH}" height="${HEIGHT + 40}" viewBox="0 0 ${WIDTH} ${HEIGHT + 40}">
<title>${title}</title>
<line x1="${LEFT}" y1="${HEIGHT}" x2="${WIDTH}" y2="${HEIGHT}" stroke="#999"/>
<text x="${LEFT - 4}" y="14" text-anchor="end">${peak}</text><text x="${LEFT - 4}" y="${HEIGHT}" text-anchor="end">0</text>
${bars}
<text x="${LEFT}" y="${HEIGHT + 14}">${first}</text>
<text x="${LEFT + slot * days.length}" y="${HEIGHT + 14}" text-anchor="end">${first === last ? '' : last}</text>
${legend}
</svg>`;
}
