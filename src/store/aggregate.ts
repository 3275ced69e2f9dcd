/**
 * Aggregates of a run file, per (method, family, perturbation, severity): mean, std, bootstrap
 * 95% CI, n kept and retention of every similarity metric; the method ranking; and, for runs
 * scored without the filter, the same with and without it. Everything is computed from rows
 * sorted by sample, with seeded resampling, so a resumed, sharded or merged run gives the same
 * numbers as one uninterrupted run.
 */
import { deriveSeed } from '../methods/seeds.js';
import { bootstrapMeans } from '../util/prng.js';
import type { RunFile } from './run-file.js';
import { SIMILARITY_COLUMNS, type SimilarityColumn } from './schema.js';
import { higherIsBetter } from '../metrics/metric.js';
import { SIMILARITY_METRICS } from '../metrics/similarity.js';
import { rankMethods } from '../metrics/ranking.js';

export interface Stat {
  mean: number | null;
  std: number | null;
  ci_low: number | null;
  ci_high: number | null;
  n: number;
}

export interface Cell {
  method: string;
  family: string;
  perturbation: string;
  name: string;
  severity: number | null;
  n_pairs: number;
  n_kept: number;
  n_filtered: number;
  n_errors: number;
  retention: number | null;
  metrics: Record<SimilarityColumn, Stat>;
  /** Runs with --controls chance: each metric's chance level and the score above it. */
  chance?: Record<SimilarityColumn, Chance>;
}

/**
 * A cell's chance level: the mean chance score over its kept pairs that have one (n), and the
 * chance-corrected score (s - chance) / (1 - chance), s the cell's mean; null with the reason
 * where it is undefined (chance 1: unrelated inputs' maps are alike; a metric whose best value
 * is not 1, l2).
 */
export interface Chance { chance: number | null; n: number; above_chance: number | null; reason: string | null }

/** A method's place by its mean fass composite over cells (in `controls`, by its above-chance value). */
export interface Ranking { method: string; fass: number | null; rank: number }

export interface Summary {
  cells: Cell[];
  ranking: Ranking[];
  /** Only for runs with --filter none: the cells restricted to pairs whose prediction held. */
  filtered?: { cells: Cell[]; ranking: Ranking[] };
  retention: { perturbation: string; family: string; severity: number | null; kept: number; total: number; retention: number | null }[];
  errors: { samples: number; pairs: number };
  /** Runs with --controls chance: the ranking by the chance-corrected fass composite, and whether its order differs. */
  controls?: { ranking: Ranking[]; changed: boolean; chance: Record<string, number | null> };
  /** Runs with --controls chance: per pair of methods, how far their clean maps agree (mean over samples, bootstrap CI). */
  agreement?: { method_a: string; method_b: string; spearman: Stat; topk_jaccard: Stat }[];
}

export const BOOTSTRAP_RESAMPLES = 1000;
/** Above this many values the bootstrap of the mean is replaced by its normal limit (same to 3 digits, far cheaper). */
export const BOOTSTRAP_MAX_N = 5000;

export function stat(values: number[], seed: number): Stat {
  const n = values.length;
  if (n === 0) return { mean: null, std: null, ci_low: null, ci_high: null, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  if (n > BOOTSTRAP_MAX_N) {
    const h = (1.959963984540054 * std) / Math.sqrt(n);
    return { mean, std, ci_low: mean - h, ci_high: mean + h, n };
  }
  const means = bootstrapMeans(Float64Array.from(values), seed, BOOTSTRAP_RESAMPLES);
  means.sort();
  return { mean, std, ci_low: means[Math.floor(0.025 * (BOOTSTRAP_RESAMPLES - 1))], ci_high: means[Math.ceil(0.975 * (BOOTSTRAP_RESAMPLES - 1))], n };
}

const CHANCE_COLUMNS = SIMILARITY_COLUMNS.map((c) => `chance_${c}`);

/** Whether the run scored chance levels (files written before controls have no such columns). */
async function hasChance(run: RunFile): Promise<boolean> {
  const [{ n }] = await run.query(`SELECT count(*)::INT AS n FROM pairs WHERE chance_fass IS NOT NULL OR chance_ssim IS NOT NULL`).catch(() => [{ n: 0 }]);
  return Number(n) > 0;
}

async function cells(run: RunFile, seed: number, where: string, withChance: boolean): Promise<Cell[]> {
  const rows = await run.query(`
    SELECT method, family, perturbation, name, severity, status, ${[...SIMILARITY_COLUMNS, ...(withChance ? CHANCE_COLUMNS : [])].join(', ')}
    FROM pairs ${where} ORDER BY method, perturbation, sample_index`);
  const groups = new Map<string, Record<string, unknown>[]>();
  for (const r of rows) {
    const k = `${r.method}\u0000${r.perturbation}`;
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(r);
  }
  return [...groups.values()].map((g) => {
    const f = g[0];
    const kept = g.filter((r) => r.status === 'kept'), filtered = g.filter((r) => r.status === 'filtered').length;
    const nums = (c: string) => kept.map((r) => r[c]).filter((v): v is number => typeof v === 'number');
    const metrics = Object.fromEntries(SIMILARITY_COLUMNS.map((c) => [c, stat(nums(c), deriveSeed(seed, String(f.perturbation), String(f.method), c))])) as Record<SimilarityColumn, Stat>;
    const chance = withChance ? Object.fromEntries(SIMILARITY_COLUMNS.map((c) => [c, aboveChance(c, metrics[c].mean, nums(`chance_${c}`))])) as Record<SimilarityColumn, Chance> : undefined;
    return {
      method: String(f.method), family: String(f.family), perturbation: String(f.perturbation), name: String(f.name),
      severity: f.severity === null ? null : Number(f.severity), n_pairs: g.length, n_kept: kept.length, n_filtered: filtered,
      n_errors: g.length - kept.length - filtered, retention: kept.length + filtered ? kept.length / (kept.length + filtered) : null, metrics,
      ...(chance ? { chance } : {}),
    };
  });
}

/** The agreement table's pairs of methods (files written before it have none). */
async function agreementOf(run: RunFile, seed: number): Promise<NonNullable<Summary['agreement']>> {
  const rows = await run.query('SELECT method_a, method_b, spearman, topk_jaccard FROM agreement ORDER BY method_a, method_b, sample_index').catch(() => []);
  const groups = new Map<string, Record<string, unknown>[]>();
  for (const r of rows) { const k = `${r.method_a}\u0000${r.method_b}`; (groups.get(k) ?? groups.set(k, []).get(k)!).push(r); }
  return [...groups.values()].map((g) => {
    const a = String(g[0].method_a), b = String(g[0].method_b);
    const s = (c: string) => stat(g.map((r) => r[c]).filter((v): v is number => typeof v === 'number'), deriveSeed(seed, 'agreement', `${a}|${b}`, c));
    return { method_a: a, method_b: b, spearman: s('spearman'), topk_jaccard: s('topk_jaccard') };
  });
}

/** (s - chance) / (1 - chance) for a similarity whose best value is 1; null with the reason where undefined. */
export function aboveChance(metric: string, s: number | null, chances: number[]): Chance {
  const n = chances.length, chance = n ? chances.reduce((a, b) => a + b, 0) / n : null;
  const none = (reason: string): Chance => ({ chance, n, above_chance: null, reason });
  if (!higherIsBetter(metric) || SIMILARITY_METRICS[metric as keyof typeof SIMILARITY_METRICS]?.range[1] !== 1) return none('defined for similarities whose best value is 1');
  if (chance === null) return none('no pair has a chance score (no partner)');
  if (s === null) return none('no scored pair');
  if (chance >= 1 - 1e-9) return none('chance is 1: the maps of unrelated inputs are alike, so no score can rise above it');
  return { chance, n, above_chance: (s - chance) / (1 - chance), reason: null };
}

/** Methods by the mean over perturbation cells of their mean fass composite (cells weigh equally); `value` picks another per-cell number. */
export function rank(cs: Cell[], value: (c: Cell) => number | null = (c) => c.metrics.fass.mean): Ranking[] {
  const by = new Map<string, number[]>();
  for (const c of cs) { const v = value(c); if (v !== null) (by.get(c.method) ?? by.set(c.method, []).get(c.method)!).push(v); }
  const means = [...new Set(cs.map((c) => c.method))].map((m) => {
    const v = by.get(m) ?? [];
    return { method: m, mean: v.length ? v.reduce((a, b) => a + b, 0) / v.length : null, n: v.length };
  });
  // Methods with no scored cell come last, still numbered.
  return rankMethods(means, higherIsBetter('fass')).map((r, i) => ({ method: r.method, fass: r.mean, rank: r.rank ?? i + 1 }));
}

export async function summarise(run: RunFile, seed: number, filter: string): Promise<Summary> {
  const withChance = await hasChance(run);
  const all = await cells(run, seed, '', withChance);
  const retention = (await run.query(`
    SELECT perturbation, any_value(family) AS family, any_value(severity) AS severity,
           count(*) FILTER (WHERE NOT prediction_changed)::INT AS kept, count(*)::INT AS total
    FROM (SELECT DISTINCT sample_index, perturbation, family, severity, prediction_changed FROM pairs WHERE prediction_changed IS NOT NULL)
    GROUP BY perturbation ORDER BY perturbation`)).map((r) => ({
    perturbation: String(r.perturbation), family: String(r.family), severity: r.severity === null ? null : Number(r.severity),
    kept: Number(r.kept), total: Number(r.total), retention: Number(r.total) ? Number(r.kept) / Number(r.total) : null,
  }));
  const [{ s, p }] = await run.query(`SELECT (SELECT count(*) FROM samples WHERE status = 'error')::INT AS s, (SELECT count(*) FROM pairs WHERE status = 'error')::INT AS p`);
  const summary: Summary = { cells: all, ranking: rank(all), retention, errors: { samples: Number(s), pairs: Number(p) } };
  if (withChance) {
    const corrected = rank(all, (c) => c.chance?.fass.above_chance ?? null);
    // Each method's chance level of the composite, averaged over cells as its FASS is.
    const chance = Object.fromEntries(rank(all, (c) => c.chance?.fass.chance ?? null).map((r) => [r.method, r.fass]));
    summary.controls = { ranking: corrected, changed: corrected.map((r) => r.method).join() !== summary.ranking.map((r) => r.method).join(), chance };
  }
  const agreement = await agreementOf(run, seed);
  if (agreement.length) summary.agreement = agreement;
  if (filter === 'none') {
    const kept = await cells(run, seed, 'WHERE prediction_changed = false', withChance);
    summary.filtered = { cells: kept, ranking: rank(kept) };
  }
  return summary;
}
