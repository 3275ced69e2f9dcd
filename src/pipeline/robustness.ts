/**
 * `fass robustness` (SPEC.md section 6): per batch, the clean maps of each method, one
 * neighbourhood per noise kind the metrics need (uniform: sensitivities, RIS, ROS; gaussian: local
 * Lipschitz), drawn once and shared by every method and metric; the kept neighbours attributed as
 * one batch per method; one score row per (sample, metric, method). Consistency stores each
 * sample's reduced map and is scored across the run at its end.
 */
import { parseWith } from '../config/validate.js';
import { batchSizeOption, Seed } from '../config/options.js';
import { seedsFor } from '../methods/seeds.js';
import { consistencyScores, reduceMap } from '../metrics/consistency.js';
import type { Dataset } from '../data/index.js';
import type { Model } from '../models/model.js';
import type { ConfiguredMethod } from '../methods/registry.js';
import { metricMeans, type MetricMean } from '../store/score-aggregate.js';
import { neighbourhood, neighbourMaps, ROBUSTNESS, RobustnessOptions, scoreNeighbourhood, type Neighbourhood, type Noise, type RobustnessName } from '../metrics/robustness.js';
import { ReduceOption, type Reduction } from '../metrics/similarity.js';
import type { RunFile } from '../store/run-file.js';
import { storedLabel, type ScoreRow, type VectorRow } from '../store/schema.js';
import { readSummary, scoreRow, scoresKind, withRunFile, type ScoresOptions, type MetricRunBase, type MetricRunResult } from './metric-run.js';
import { runKind, type CleanBatch } from './runner.js';
import type { RunContext } from '../methods/types.js';

export interface RobustnessSpec extends MetricRunBase {
  metrics: RobustnessName[];
  options: RobustnessOptions;
  /** Channel reduction of the maps consistency compares (SPEC.md section 1). */
  reduce: Reduction;
}

/** Images per batch of a robustness run. */
export const RobustnessBatch = batchSizeOption(16, 'images per batch (each brings --samples neighbours per noise kind)');

export function robustnessConfig(s: RobustnessSpec): Record<string, unknown> {
  return { metrics: s.metrics, samples: s.options.samples, radius: s.options.radius, lipschitz_sigma: s.options.lipschitzSigma, reduce: s.reduce };
}

export const robustnessKind = scoresKind<RobustnessSpec>({
  command: 'robustness',
  config: robustnessConfig,
  metrics: (s) => s.metrics,
  score: scoreBatch,
  finish: (s, run) => (s.metrics.includes('consistency') ? finishConsistency(run, s.methods.map((m) => m.method.name)) : Promise.resolve()),
});

export async function runRobustness(s: RobustnessSpec): Promise<MetricRunResult> {
  return runKind(robustnessKind, { ...s, options: parseWith(RobustnessOptions, s.options, 'robustness options', 'option') });
}

/** The metrics of each noise kind (uniform, gaussian) the run needs. */
function byNoise(metrics: RobustnessName[]): Map<Noise, RobustnessName[]> {
  const out = new Map<Noise, RobustnessName[]>();
  for (const m of metrics) {
    const noise = ROBUSTNESS[m].noise;
    if (noise) (out.get(noise) ?? out.set(noise, []).get(noise)!).push(m);
  }
  return out;
}

async function scoreBatch(s: RobustnessSpec, b: CleanBatch, ctx: RunContext) {
  const noises = byNoise(s.metrics);
  const scores: ScoreRow[] = [], vectors: VectorRow[] = [];
  const nbs: [Noise, Neighbourhood][] = [];
  for (const noise of noises.keys()) {
    nbs.push([noise, await neighbourhood(s.model, b, noise, s.options.samples, noise === 'uniform' ? s.options.radius : s.options.lipschitzSigma, s.seed)]);
  }
  const ref = (i: number) => ({ id: b.ids[i], index: b.indices[i], label: storedLabel(b.labels[i]) });
  for (const m of s.methods) {
    const name = m.method.name;
    const clean = await m.method.run(s.model, { data: b.data, shape: b.shape, targets: b.targets, seeds: seedsFor(s.seed, b.ids, 'none', name) }, m.params, ctx);
    const perRow: Record<string, ScoreRow[]> = {};
    for (const [noise, nb] of nbs) {
      const gn = await neighbourMaps(s.model, b, nb, m, clean, s.seed, ctx);
      const r = await scoreNeighbourhood(noises.get(noise)!, b, nb, clean, gn);
      for (const [metric, per] of Object.entries(r)) {
        perRow[metric] = per.map((p, i) => scoreRow(ref(i), metric, name, { clean_pred: b.targets[i], status: p.status, score: Number.isFinite(p.score) ? p.score : null, n_used: p.used, n_excluded: p.excluded, reason: p.reason }));
      }
    }
    if (s.metrics.includes('consistency')) {
      const [, mc, mh, mw] = clean.shape, mapPer = mc * mh * mw;
      perRow.consistency = b.ids.map((_, i) => scoreRow(ref(i), 'consistency', name, { clean_pred: b.targets[i], reason: 'scored at the end of the run' }));
      b.ids.forEach((_, i) => vectors.push({ sample_index: b.indices[i], method: name, label: storedLabel(b.labels[i]), vec: reduceMap(clean.maps.subarray(i * mapPer, (i + 1) * mapPer), mc, mh * mw, s.reduce) }));
    }
    for (const metric of s.metrics) scores.push(...perRow[metric]);
  }
  return { scores, vectors };
}

/** Scores every consistency row of the run from the stored vectors (idempotent). */
async function finishConsistency(run: RunFile, methods: string[]): Promise<void> {
  for (const method of methods) {
    const v = await run.vectors(method);
    const r = consistencyScores(v);
    await run.updateScores(r.perSample.map((p, i) => ({ sample_index: v.index[i], metric: 'consistency', method, status: p.status, score: Number.isFinite(p.score) ? p.score : null, reason: p.reason })));
  }
}

/**
 * One number per (method, metric) for a model: the mean over samples of each robustness metric
 * (consistency: its pooled value), with n and direction. What `fass compare-metrics` builds on.
 */
export async function robustnessScores(
  model: Model, data: Dataset, methods: ConfiguredMethod[], metrics: RobustnessName[],
  opts: ScoresOptions & Partial<RobustnessOptions> & { reduce?: Reduction } = {},
): Promise<MetricMean[]> {
  const { seed: seedGiven, reduce: reduceGiven, batchSize, internalBatchSize, out, ...rest } = opts;
  const seed = parseWith(Seed, seedGiven, 'seed', 'option'), reduce = parseWith(ReduceOption, reduceGiven, 'reduce', 'option');
  return withRunFile(out, async (path) => {
    await runRobustness({ model, data, methods, metrics, options: parseWith(RobustnessOptions, rest, 'robustness options', 'option'), reduce, seed, batchSize: parseWith(RobustnessBatch, batchSize, 'batchSize', 'option'), internalBatchSize, out: path });
    return metricMeans(await readSummary(path, seed));
  });
}
