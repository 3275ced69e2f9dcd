/**
 * `fass faithfulness` (SPEC.md section 8): per batch, each method's maps of the clean images, then
 * deletion and insertion curves natively; one score row per (sample, metric, method) holding the AUC.
 */
import { parseWith } from '../config/validate.js';
import { seedsFor } from '../methods/seeds.js';
import { faithfulnessMetric, FaithfulnessOptions, type FaithfulnessName } from '../metrics/faithfulness.js';
import type { ScoreRow } from '../store/schema.js';
import { isUserError, UserError } from '../errors.js';
import { TorchModel } from '../models/torch-model.js';
import type { Dataset } from '../data/index.js';
import type { Model } from '../models/model.js';
import type { ConfiguredMethod } from '../methods/registry.js';
import { metricMeans, type MetricMean } from '../store/score-aggregate.js';
import { baseConfig, readSummary, runMetrics, withRunFile, type ScoresOptions, type MetricRunBase, type MetricRunResult } from './metric-run.js';

export interface FaithfulnessSpec extends MetricRunBase {
  metrics: FaithfulnessName[];
  options: FaithfulnessOptions;
}

export function faithfulnessConfig(s: FaithfulnessSpec): Record<string, unknown> {
  return { ...baseConfig('faithfulness', s), metrics: s.metrics, reduce: s.options.reduce, step: s.options.step ?? null, blur_sigma: s.options.blurSigma, blur_kernel: s.options.blurKernel };
}

export async function runFaithfulness(s: FaithfulnessSpec): Promise<MetricRunResult> {
  if (!(s.model instanceof TorchModel)) {
    throw new UserError(`deletion and insertion run the model natively, which needs a TorchScript model; ${s.model.path} is an ${s.model.kind} model`);
  }
  const metrics = s.metrics.map((m) => faithfulnessMetric(m, s.options));
  return runMetrics(s, {
    config: faithfulnessConfig(s),
    metrics: s.metrics,
    async score(b, ctx) {
      const scores: ScoreRow[] = [];
      for (const m of s.methods) {
        const name = m.method.name;
        const maps = await m.method.run(s.model, { data: b.data, shape: b.shape, targets: b.targets, seeds: seedsFor(s.seed, b.ids, 'none', name) }, m.params, ctx);
        const per = maps.maps.length / b.shape[0];
        const badMap = b.ids.map((_, i) => !maps.maps.subarray(i * per, (i + 1) * per).every(Number.isFinite));
        for (const metric of metrics) {
          let auc: Float64Array | null = null, failure: string | null = null;
          try {
            auc = (await metric.score(s.model, b, maps)).auc;
          } catch (e) {
            if (!isUserError(e)) throw e;
            failure = (e as Error).message;
          }
          b.ids.forEach((id, i) => scores.push({
            sample_index: b.indices[i], sample_id: id, label: b.labels[i] >= 0 ? b.labels[i] : null, metric: metric.name, method: name,
            clean_pred: b.targets[i], n_used: null, n_excluded: null,
            ...(failure ? { status: 'error' as const, score: null, reason: failure }
              : badMap[i] ? { status: 'error' as const, score: null, reason: 'the map has NaN or infinite values' }
                : { status: 'kept' as const, score: auc![i], reason: null }),
          }));
        }
      }
      return { scores };
    },
  });
}

/**
 * One number per (method, metric) for a model: the mean AUC over samples of deletion and
 * insertion, with n and direction. What `fass compare-metrics` builds on.
 */
export async function faithfulnessScores(
  model: Model, data: Dataset, methods: ConfiguredMethod[], metrics: FaithfulnessName[],
  opts: ScoresOptions & Partial<FaithfulnessOptions> = {},
): Promise<MetricMean[]> {
  const { seed = 0, batchSize = 64, internalBatchSize, out, ...rest } = opts;
  return withRunFile(out, async (path) => {
    await runFaithfulness({ model, data, methods, metrics, options: parseWith(FaithfulnessOptions, rest, 'faithfulness options', 'option'), seed, batchSize, internalBatchSize, out: path });
    return metricMeans(await readSummary(path, seed));
  });
}
