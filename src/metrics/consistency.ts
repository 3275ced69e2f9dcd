/**
 * consistency (rationale stability, SPEC.md section 6): the mean pairwise cosine similarity of the
 * attribution vectors of samples sharing a dataset label. With unit vectors u_i and S_c the sum
 * over label c, the sum of cosines over pairs of c is (||S_c||^2 - n_c) / 2, so everything is
 * O(samples x pixels), in float64:
 *   per class:  (||S_c||^2 - n_c) / (n_c (n_c - 1))
 *   pooled:     the mean over every same-label pair, sum_c (||S_c||^2 - n_c) / sum_c n_c (n_c - 1)
 *   per sample: the mean cosine with the other samples of its label, (u_i . S_c - 1) / (n_c - 1)
 * A zero map has no direction (its sample is an error, left out of the sums); a label with one
 * usable sample has no pair (its sample is excluded).
 */
import type { Reduction } from './similarity.js';

export interface ConsistencyInput {
  /** One attribution vector per sample (the channel-reduced map, flattened). */
  vectors: Float32Array[];
  labels: number[];
}

export interface ConsistencyResult {
  perSample: { score: number; status: 'kept' | 'excluded' | 'error'; reason: string | null }[];
  pooled: { score: number; pairs: number; samples: number };
  perClass: { label: number; score: number; samples: number }[];
}

/** The vector of a map (C,H,W) for consistency: the channel reduction of SPEC.md section 1. */
export function reduceMap(map: Float32Array, c: number, hw: number, how: Reduction): Float32Array {
  if (how === 'none' || c === 1) return map.slice();
  const out = new Float32Array(hw);
  for (let k = 0; k < c; k++) {
    for (let i = 0; i < hw; i++) {
      const v = map[k * hw + i];
      out[i] += how === 'abs-sum' ? Math.abs(v) : how === 'l2' ? v * v : v;
    }
  }
  if (how === 'mean') for (let i = 0; i < hw; i++) out[i] /= c;
  if (how === 'l2') for (let i = 0; i < hw; i++) out[i] = Math.sqrt(out[i]);
  return out;
}

export function consistencyScores({ vectors, labels }: ConsistencyInput): ConsistencyResult {
  const units: (Float64Array | null)[] = vectors.map((v) => {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i] * v[i];
    if (!(s > 0) || !Number.isFinite(s)) return null;
    const inv = 1 / Math.sqrt(s);
    return Float64Array.from(v, (x) => x * inv);
  });
  const sums = new Map<number, { sum: Float64Array; n: number }>();
  units.forEach((u, i) => {
    if (!u || labels[i] < 0) return;
    const e = sums.get(labels[i]) ?? sums.set(labels[i], { sum: new Float64Array(u.length), n: 0 }).get(labels[i])!;
    for (let k = 0; k < u.length; k++) e.sum[k] += u[k];
    e.n++;
  });
  const perSample = units.map((u, i) => {
    if (labels[i] < 0) return { score: NaN, status: 'excluded' as const, reason: 'the sample has no dataset label' };
    if (!u) return { score: NaN, status: 'error' as const, reason: 'the map is zero (or not finite): no direction for a cosine' };
    const e = sums.get(labels[i])!;
    if (e.n < 2) return { score: NaN, status: 'excluded' as const, reason: `the only usable sample of label ${labels[i]}` };
    let dot = 0;
    for (let k = 0; k < u.length; k++) dot += u[k] * e.sum[k];
    return { score: (dot - 1) / (e.n - 1), status: 'kept' as const, reason: null };
  });
  let num = 0, pairs = 0, samples = 0;
  const perClass = [...sums.entries()].sort((a, b) => a[0] - b[0]).map(([label, e]) => {
    let sq = 0;
    for (let k = 0; k < e.sum.length; k++) sq += e.sum[k] * e.sum[k];
    const p = e.n * (e.n - 1);
    if (p > 0) { num += sq - e.n; pairs += p; samples += e.n; }
    return { label, score: p > 0 ? (sq - e.n) / p : NaN, samples: e.n };
  });
  return { perSample, pooled: { score: pairs ? num / pairs : NaN, pairs: pairs / 2, samples }, perClass };
}
