/** The end-of-run summary `fass robustness` and `fass faithfulness` print. */
import type { MetricRunResult } from '../pipeline/metric-run.js';
import { readSummary } from '../pipeline/metric-run.js';
import { table } from './output.js';
import type { Output } from './output.js';

const num = (v: number | null, d = 4) => (v === null ? '-' : v.toFixed(d));

export async function printScores(out: Output, path: string, seed: number, r: MetricRunResult): Promise<void> {
  const summary = await readSummary(path, seed);
  out.say([
    `run       ${path}${r.resumedFrom ? ` (resumed after ${r.resumedFrom} samples)` : ''}`,
    `samples   ${r.samples} this time; rows ${r.rows}: ${r.kept} kept, ${r.excluded} excluded, ${r.errors} errors; ${r.seconds.toFixed(1)} s`,
    '',
    table(['method', 'metric', 'better', 'mean', '95% CI', 'n', 'excluded', 'errors'], summary.cells.map((c) => [
      c.method, c.metric, c.higherIsBetter ? 'higher' : 'lower', num(c.stat.mean), `${num(c.stat.ci_low)}..${num(c.stat.ci_high)}`,
      c.stat.n, c.n_excluded, c.n_errors,
    ])),
    ...(summary.consistency.length ? ['', table(['method', 'label', 'consistency', 'samples'], summary.consistency.map((c) => [c.method, c.label === null ? 'pooled' : c.label, num(c.score), c.samples]))] : []),
  ].join('\n'));
  out.result({ run: r, summary });
}
