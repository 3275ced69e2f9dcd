/** The report's section for robustness and faithfulness runs: a table per (method, metric) and a plot. */
import type { MetricSummary } from '../store/score-aggregate.js';
import { escapeXml as esc } from '../util/escape.js';
import { svg } from './plots.js';

const num = (v: number | null | undefined, d = 4) => (v === null || v === undefined ? '–' : v.toFixed(d));

/** Mean score with its 95% CI, a bar per method, a panel per metric (each with its own scale and direction). */
export function scoresPlot(s: MetricSummary): Promise<string> {
  const values = s.cells.filter((c) => c.stat.mean !== null).map((c) => ({
    method: c.method, metric: `${c.metric} (${c.higherIsBetter ? 'higher' : 'lower'} is better)`, mean: c.stat.mean, low: c.stat.ci_low, high: c.stat.ci_high,
  }));
  return svg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    facet: { field: 'metric', type: 'nominal', title: null },
    columns: 3,
    spec: {
      width: 220, height: { step: 16 },
      layer: [
        { mark: 'bar', encoding: { y: { field: 'method', type: 'nominal', title: null }, x: { field: 'mean', type: 'quantitative', title: 'mean (95% CI)' }, color: { field: 'method', type: 'nominal', legend: null } } },
        { mark: { type: 'errorbar' }, encoding: { y: { field: 'method', type: 'nominal' }, x: { field: 'low', type: 'quantitative', title: null }, x2: { field: 'high' } } },
      ],
    },
    resolve: { scale: { x: 'independent' } },
  });
}

export async function scoresSection(s: MetricSummary): Promise<string> {
  const title = s.command === 'faithfulness' ? 'Faithfulness' : 'Robustness';
  const rows = s.cells.map((c) => `<tr><td>${esc(c.method)}</td><td class="l">${esc(c.metric)}</td><td class="l">${c.higherIsBetter ? 'higher' : 'lower'}</td>
<td>${num(c.stat.mean)}</td><td>${num(c.stat.ci_low)}–${num(c.stat.ci_high)}</td><td>${num(c.stat.std)}</td><td>${c.stat.n}</td><td>${c.n_excluded}</td><td>${c.n_errors}</td>
<td>${c.neighbours_used ?? '–'}</td><td>${c.neighbours_excluded ?? '–'}</td></tr>`).join('\n');
  const consistency = s.consistency.length ? `<h2>Consistency by label</h2><table><tr><th>method</th><th>label</th><th>mean pairwise cosine</th><th>samples</th></tr>
${s.consistency.map((c) => `<tr><td>${esc(c.method)}</td><td>${c.label === null ? 'pooled' : c.label}</td><td>${num(c.score)}</td><td>${c.samples}</td></tr>`).join('\n')}</table>` : '';
  return `<h1>Attribution ${title.toLowerCase()}</h1>
<p>${s.errors.samples} sample error(s), ${s.errors.rows} row error(s). Excluded rows: every neighbour changed the prediction (or, for consistency, no label or the only sample of its label).
Consistency's mean is over samples (each sample's mean cosine with the others of its label); the pooled value below is over pairs.</p>
<h2>${title} by method</h2><figure>${await scoresPlot(s)}</figure>
<table><tr><th>method</th><th class="l">metric</th><th class="l">better</th><th>mean</th><th>95% CI</th><th>std</th><th>n</th><th>excluded</th><th>errors</th><th>neighbours used</th><th>neighbours excluded</th></tr>
${rows}</table>
${consistency}`;
}
