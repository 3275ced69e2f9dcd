/** The report's plots: vega-lite specs compiled and rendered to SVG in Node (no browser, no CDN). */
import type * as vl from 'vega-lite';
import type { Summary } from '../store/aggregate.js';
import type { SanitySummary } from '../store/sanity-aggregate.js';

export async function svg(spec: vl.TopLevelSpec): Promise<string> {
  // Loaded on the first plot: vega's modules take a noticeable part of every command's start.
  const [vega, vlc] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vlc.compile(spec).spec), { renderer: 'none' });
  const out = await view.toSVG();
  view.finalize();
  return out;
}

/** Mean fass composite against severity, a line per method, a panel per perturbation. */
export function stabilityPlot(s: Summary): Promise<string> {
  const values = s.cells.filter((c) => c.metrics.fass.mean !== null)
    .map((c) => ({ method: c.method, perturbation: c.name, severity: c.severity ?? 0, fass: c.metrics.fass.mean, low: c.metrics.fass.ci_low, high: c.metrics.fass.ci_high }));
  return svg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    facet: { field: 'perturbation', type: 'nominal', title: null },
    columns: 4,
    spec: {
      width: 170, height: 120,
      layer: [
        { mark: { type: 'line', point: true }, encoding: { x: { field: 'severity', type: 'quantitative', axis: { format: '~g' } }, y: { field: 'fass', type: 'quantitative', title: 'FASS composite (95% CI)', scale: { domain: [0, 1] } }, color: { field: 'method', type: 'nominal' } } },
        { mark: { type: 'errorbar' }, encoding: { x: { field: 'severity', type: 'quantitative' }, y: { field: 'low', type: 'quantitative', title: null }, y2: { field: 'high' }, color: { field: 'method', type: 'nominal' } } },
      ],
    },
    resolve: { scale: { x: 'independent' } },
  });
}

/** Retention (pairs whose prediction held) against severity, a line per perturbation, by family. */
export function retentionPlot(s: Summary): Promise<string> {
  const values = s.retention.filter((r) => r.retention !== null).map((r) => ({ ...r, name: r.perturbation.split(':')[0] }));
  return svg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    facet: { field: 'family', type: 'nominal', title: null },
    spec: {
      width: 220, height: 150,
      mark: { type: 'line', point: true },
      encoding: { x: { field: 'severity', type: 'quantitative', axis: { format: '~g' } }, y: { field: 'retention', type: 'quantitative', scale: { domain: [0, 1] } }, color: { field: 'name', type: 'nominal', title: 'perturbation' } },
    },
    resolve: { scale: { x: 'independent' } },
  });
}

/** Methods ranked by their mean FASS composite. */
export function rankingPlot(s: Summary): Promise<string> {
  return svg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values: s.ranking.filter((r) => r.fass !== null) },
    width: 360, height: { step: 18 },
    mark: 'bar',
    encoding: { y: { field: 'method', type: 'nominal', sort: '-x' }, x: { field: 'fass', type: 'quantitative', title: 'mean FASS composite', scale: { domain: [0, 1] } } },
  });
}

/** Mean agreement of every two methods' clean maps (Spearman), as a symmetric heatmap. */
export function agreementPlot(s: Summary): Promise<string> {
  const values = (s.agreement ?? []).flatMap((a) => [
    { a: a.method_a, b: a.method_b, spearman: a.spearman.mean },
    { a: a.method_b, b: a.method_a, spearman: a.spearman.mean },
  ]);
  return svg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    width: { step: 36 }, height: { step: 36 },
    layer: [
      { mark: 'rect', encoding: { x: { field: 'a', type: 'nominal', title: null }, y: { field: 'b', type: 'nominal', title: null }, color: { field: 'spearman', type: 'quantitative', title: 'Spearman', scale: { domain: [-1, 1], scheme: 'redblue' } } } },
      { mark: { type: 'text', fontSize: 9 }, encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'nominal' }, text: { field: 'spearman', type: 'quantitative', format: '.2f' } } },
    ],
  });
}

/** Similarity to the trained model's maps along the randomisation cascade, a line per method. */
export function sanityPlot(s: SanitySummary): Promise<string> {
  const values = s.methods.flatMap((m) => m.steps.filter((st) => st.spearman_abs.mean !== null)
    .map((st) => ({ method: m.method, layer: `${st.step + 1}. ${st.layer}`, spearman: st.spearman_abs.mean })));
  return svg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    width: 420, height: 220,
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'layer', type: 'ordinal', title: 'randomised down to', sort: null },
      y: { field: 'spearman', type: 'quantitative', title: 'Spearman |map| with the trained model', scale: { domain: [-1, 1] } },
      color: { field: 'method', type: 'nominal' },
    },
  });
}

/** Per method: mean FASS (stability run) against Spearman |map| at full randomisation (sanity run). */
export function stabilityVsRandomisationPlot(s: Summary, sanity: SanitySummary): Promise<string> {
  const randomised = new Map(sanity.methods.map((m) => [m.method, m.full?.spearman_abs.mean ?? null]));
  const values = s.ranking.filter((r) => r.fass !== null && randomised.get(r.method) != null)
    .map((r) => ({ method: r.method, fass: r.fass, randomised: randomised.get(r.method) }));
  return svg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    width: 360, height: 260,
    layer: [
      { mark: { type: 'point', filled: true, size: 60 }, encoding: { x: { field: 'fass', type: 'quantitative', title: 'mean FASS (stability)', scale: { zero: false } }, y: { field: 'randomised', type: 'quantitative', title: 'Spearman |map| after randomisation', scale: { domain: [-1, 1] } }, color: { field: 'method', type: 'nominal' } } },
      { mark: { type: 'text', dx: 6, align: 'left', fontSize: 10 }, encoding: { x: { field: 'fass', type: 'quantitative' }, y: { field: 'randomised', type: 'quantitative' }, text: { field: 'method' } } },
    ],
  });
}

