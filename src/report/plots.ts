/** The report's plots: vega-lite specs compiled and rendered to SVG in Node (no browser, no CDN). */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { Summary } from '../store/aggregate.js';

export async function svg(spec: vl.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
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
