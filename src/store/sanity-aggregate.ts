/**
 * Aggregates of a `fass sanity` run: per method, the similarity of its randomised maps to the
 * trained ones at each step of the cascade (mean over samples, bootstrap CI), and its value at
 * full randomisation, by which the methods are ranked (lower: the map depends more on what the
 * model learned). Rows are read sorted by sample, so resumed, sharded and merged runs agree.
 */
import { deriveSeed } from '../methods/seeds.js';
import { higherIsBetter } from '../metrics/metric.js';
import { rankMethods } from '../metrics/ranking.js';
import { stat, type Stat } from './aggregate.js';
import type { RunFile } from './run-file.js';

export interface SanityStep { step: number; layer: string; spearman_abs: Stat; ssim: Stat; topk_jaccard: Stat }
export interface SanityMethod { method: string; steps: SanityStep[]; full: SanityStep | null; rank: number | null; errors: number }
export interface SanitySummary { layers: string[]; methods: SanityMethod[]; errors: { samples: number; rows: number } }

export async function summariseSanity(run: RunFile, seed: number): Promise<SanitySummary> {
  const rows = await run.query('SELECT method, step, layer, status, spearman_abs, ssim, topk_jaccard FROM sanity ORDER BY method, step, sample_index');
  const by = new Map<string, Record<string, unknown>[]>();
  for (const r of rows) { const k = String(r.method); (by.get(k) ?? by.set(k, []).get(k)!).push(r); }
  const layers = [...new Map(rows.map((r) => [Number(r.step), String(r.layer)])).entries()].sort((a, b) => a[0] - b[0]).map(([, l]) => l);
  const methods = [...by.entries()].map(([method, g]): SanityMethod => {
    const steps = layers.map((layer, step) => {
      const kept = g.filter((r) => Number(r.step) === step && r.status === 'kept');
      const s = (c: string) => stat(kept.map((r) => r[c]).filter((v): v is number => typeof v === 'number'), deriveSeed(seed, 'sanity', method, `${step}:${c}`));
      return { step, layer, spearman_abs: s('spearman_abs'), ssim: s('ssim'), topk_jaccard: s('topk_jaccard') };
    });
    return { method, steps, full: steps.at(-1) ?? null, rank: null, errors: g.filter((r) => r.status === 'error').length };
  });
  const order = rankMethods(methods.map((m) => ({ method: m.method, mean: m.full?.spearman_abs.mean ?? null, n: m.full?.spearman_abs.n ?? 0 })), higherIsBetter('randomisation'));
  for (const m of methods) m.rank = order.find((r) => r.method === m.method)!.rank;
  methods.sort((a, b) => order.findIndex((r) => r.method === a.method) - order.findIndex((r) => r.method === b.method));
  const [{ se, re }] = await run.query(`SELECT (SELECT count(*) FROM samples WHERE status = 'error')::INT AS se, (SELECT count(*) FROM sanity WHERE status = 'error')::INT AS re`);
  return { layers, methods, errors: { samples: Number(se), rows: Number(re) } };
}
