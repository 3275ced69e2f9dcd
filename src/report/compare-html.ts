/**
 * The report of `fass compare-metrics`: the verdict, Kendall's tau-b per metric (table and bar
 * plot), and per metric the ranking of the methods under each model. Self-contained (inline SVG),
 * every string escaped.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { CompareResult } from '../pipeline/compare-metrics.js';
import { UserError } from '../errors.js';
import { escapeXml as esc } from '../util/escape.js';
import { svg } from './plots.js';

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child,td.l,th.l{text-align:left}h2{margin-top:2em}.note{color:#666}.verdict{font-size:16px;font-weight:600}`;

const num = (v: number | null | undefined, d = 3) => (v === null || v === undefined ? '–' : v.toFixed(d));
const g4 = (v: number | null | undefined) => (v === null || v === undefined ? '–' : Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toPrecision(4));

/** Kendall's tau per metric, a bar each, on the full [-1, 1] scale. */
export function tauPlot(r: CompareResult): Promise<string> {
  const values = r.comparisons.filter((c) => c.agreement.tau !== null).map((c) => ({ metric: c.metric, tau: c.agreement.tau, kind: c.metric === 'osr' ? 'OSR' : 'other' }));
  return svg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    width: 360, height: { step: 22 },
    mark: 'bar',
    encoding: {
      y: { field: 'metric', type: 'nominal', sort: r.comparisons.map((c) => c.metric), title: null },
      x: { field: 'tau', type: 'quantitative', title: `Kendall's tau-b between the two models' rankings`, scale: { domain: [-1, 1] } },
      color: { field: 'kind', type: 'nominal', legend: null, scale: { domain: ['OSR', 'other'], range: ['#d62728', '#4c78a8'] } },
    },
  });
}

export function compareBody(r: CompareResult, plot: string): string {
  const [a, b] = r.models;
  const tauRows = r.comparisons.map((c) => `<tr><td>${esc(c.metric)}</td><td class="l">${c.higherIsBetter ? 'higher' : 'lower'}</td><td>${num(c.agreement.tau)}</td><td>${c.agreement.n}</td>
<td class="l">${esc(c.agreement.reason ?? '')}${c.agreement.excluded.map((e) => `${esc(e.method)}: ${esc(e.reason)}`).join('<br>')}</td></tr>`).join('\n');
  const rankings = r.comparisons.map((c) => {
    const byB = new Map(c.rankings[1].map((m) => [m.method, m]));
    const rows = c.rankings[0].map((m) => {
      const o = byB.get(m.method);
      return `<tr><td>${esc(m.method)}</td><td>${m.rank ?? '–'}</td><td>${g4(m.mean)}</td><td>${m.n}</td><td>${o?.rank ?? '–'}</td><td>${g4(o?.mean)}</td><td>${o?.n ?? 0}</td></tr>`;
    }).join('\n');
    return `<h3>${esc(c.metric)} (${c.higherIsBetter ? 'higher' : 'lower'} is better): tau ${num(c.agreement.tau)}</h3>
<table><tr><th class="l">method</th><th>rank ${esc(a.label)}</th><th>mean ${esc(a.label)}</th><th>n</th><th>rank ${esc(b.label)}</th><th>mean ${esc(b.label)}</th><th>n</th></tr>
${rows}</table>`;
  }).join('\n');
  const timings = r.timings.map((t) => `<tr><td>${esc(t.model)}</td><td class="l">${esc(t.phase)}</td><td>${t.seconds.toFixed(1)}</td><td>${t.samples}</td><td>${t.resumedFrom}</td><td class="l">${esc(t.run)}</td></tr>`).join('\n');
  return `<h1>Do method rankings survive a change of model? (compare-metrics)</h1>
<p class="verdict">${esc(r.verdict)}</p>
<table>
<tr><th class="l">model A</th><td class="l">${esc(a.label)}: ${esc(a.path)}</td></tr>
<tr><th class="l">model B</th><td class="l">${esc(b.label)}: ${esc(b.path)}</td></tr>
<tr><th class="l">data</th><td class="l">${esc(r.data)} (${r.n} images), seed ${r.seed}</td></tr>
<tr><th class="l">methods</th><td class="l">${esc(r.methods.join(', '))}</td></tr>
<tr><th class="l">settings</th><td class="l">${esc(JSON.stringify(r.settings))}</td></tr>
</table>
<h2>Agreement of the rankings: Kendall's tau-b per metric</h2>
<p class="note">1: the same order under both models; −1: reversed; 0: unrelated. Computed on the methods' means (equal means are ties) over the methods with data under both models.</p>
<figure>${plot}</figure>
<table><tr><th class="l">metric</th><th class="l">better</th><th>tau</th><th>n methods</th><th class="l">undefined because / left out</th></tr>
${tauRows}</table>
<h2>Rankings per metric</h2>
${rankings}
<h2>Runs</h2>
<table><tr><th class="l">model</th><th class="l">run</th><th>seconds</th><th>images this time</th><th>resumed after</th><th class="l">run file</th></tr>
${timings}</table>`;
}

export async function writeCompareReport(r: CompareResult, path: string): Promise<void> {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>fass compare-metrics: ${esc(r.models.map((m) => m.label).join(' vs '))}</title><style>${STYLE}</style></head><body>
${compareBody(r, await tauPlot(r))}
</body></html>\n`;
  writeFileSync(path + '.partial', html);
  renameSync(path + '.partial', path);
}

/** Reads a compare.json written by `fass compare-metrics` (for `fass report DIR/compare.json`). */
export function readCompareResult(path: string): CompareResult {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserError(`${path}: cannot read it as JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (!v || typeof v !== 'object' || (v as { command?: unknown }).command !== 'compare-metrics' || !Array.isArray((v as CompareResult).comparisons)) {
    throw new UserError(`${path}: not a compare.json written by fass compare-metrics`);
  }
  return v as CompareResult;
}
