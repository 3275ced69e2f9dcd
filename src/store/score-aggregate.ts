/**
 * Aggregates of a robustness or faithfulness run, per (method, metric): mean, sample std, seeded
 * bootstrap 95% CI and n of the kept rows (the `stat` of the stability summary), the rows excluded
 * and in error, the neighbours used and excluded, and each metric's direction. Consistency also
 * gets its pooled value (the mean over every same-label pair) and one value per label, from the
 * stored vectors. Rows are read sorted by sample, so a resumed run gives the same numbers.
 */
import { deriveSeed } from '../methods/seeds.js';
import { consistencyScores } from '../metrics/consistency.js';
import { FAITHFULNESS } from '../metrics/faithfulness.js';
import { ROBUSTNESS } from '../metrics/robustness.js';
import { stat, type Stat } from './aggregate.js';
import type { RunFile } from './run-file.js';

export interface MetricCell {
  method: string;
  metric: string;
  higherIsBetter: boolean;
  n_rows: number;
  n_kept: number;
  n_excluded: number;
  n_errors: number;
  /** Neighbours kept and excluded over the method's rows (robustness neighbourhood metrics). */
  neighbours_used: number | null;
  neighbours_excluded: number | null;
  stat: Stat;
}

export interface ConsistencyCell { method: string; label: number | null; score: number | null; samples: number; pairs?: number }

export interface MetricSummary {
  command: string;
  cells: MetricCell[];
  /** Pooled (label null) and per-label consistency, when the run has it. */
  consistency: ConsistencyCell[];
  errors: { samples: number; rows: number };
}

export function higherIsBetter(metric: string): boolean {
  return (ROBUSTNESS as Record<string, { higherIsBetter: boolean }>)[metric]?.higherIsBetter
    ?? (FAITHFULNESS as Record<string, { higherIsBetter: boolean }>)[metric]?.higherIsBetter ?? false;
}

export async function summariseScores(run: RunFile, seed: number): Promise<MetricSummary> {
  const config = (await run.config()) ?? {};
  const rows = await run.query('SELECT method, metric, status, score, n_used, n_excluded FROM scores ORDER BY method, metric, sample_index');
  const groups = new Map<string, Record<string, unknown>[]>();
  for (const r of rows) {
    const k = `${r.method}\u0000${r.metric}`;
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(r);
  }
  const cells = [...groups.values()].map((g): MetricCell => {
    const method = String(g[0].method), metric = String(g[0].metric);
    const kept = g.filter((r) => r.status === 'kept');
    const vals = kept.map((r) => r.score).filter((v): v is number => typeof v === 'number');
    const withCounts = g.filter((r) => r.n_used !== null);
    return {
      method, metric, higherIsBetter: higherIsBetter(metric), n_rows: g.length, n_kept: kept.length,
      n_excluded: g.filter((r) => r.status === 'excluded').length, n_errors: g.filter((r) => r.status === 'error').length,
      neighbours_used: withCounts.length ? withCounts.reduce((a, r) => a + Number(r.n_used), 0) : null,
      neighbours_excluded: withCounts.length ? withCounts.reduce((a, r) => a + Number(r.n_excluded), 0) : null,
      stat: stat(vals, deriveSeed(seed, metric, method, 'scores')),
    };
  });
  const consistency: ConsistencyCell[] = [];
  const methods = [...new Set(cells.filter((c) => c.metric === 'consistency').map((c) => c.method))];
  for (const method of methods) {
    const r = consistencyScores(await run.vectors(method));
    const num = (v: number) => (Number.isFinite(v) ? v : null);
    consistency.push({ method, label: null, score: num(r.pooled.score), samples: r.pooled.samples, pairs: r.pooled.pairs });
    for (const c of r.perClass) consistency.push({ method, label: c.label, score: num(c.score), samples: c.samples });
  }
  const [{ s, p }] = await run.query(`SELECT (SELECT count(*) FROM samples WHERE status = 'error')::INT AS s, (SELECT count(*) FROM scores WHERE status = 'error')::INT AS p`);
  return { command: String(config.command ?? ''), cells, consistency, errors: { samples: Number(s), rows: Number(p) } };
}

/** One number per (method, metric): the mean over samples (consistency: the pooled value). */
export interface MetricMean { method: string; metric: string; mean: number | null; n: number; higherIsBetter: boolean }

export function metricMeans(s: MetricSummary): MetricMean[] {
  return s.cells.map((c) => {
    const pooled = c.metric === 'consistency' ? s.consistency.find((k) => k.method === c.method && k.label === null) : undefined;
    return { method: c.method, metric: c.metric, mean: pooled ? pooled.score : c.stat.mean, n: c.stat.n, higherIsBetter: c.higherIsBetter };
  });
}
