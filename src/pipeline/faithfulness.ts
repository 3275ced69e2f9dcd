/**
 * `fass faithfulness` (SPEC.md section 8): per batch, each method's maps of the clean images, then
 * deletion and insertion curves natively; one score row per (sample, metric, method) holding the AUC.
 */
import { parseWith } from '../config/validate.js';
import { batchSizeOption, Seed } from '../config/options.js';
import { seedsFor } from '../methods/seeds.js';
import { faithfulnessMetric, FaithfulnessOptions, type FaithfulnessName } from '../metrics/faithfulness.js';
import type { ScoreRow } from '../store/schema.js';
import { isUserError, UserError } from '../errors.js';
import { TorchModel } from '../models/torch-model.js';
import type { Dataset } from '../data/index.js';
import type { Model } from '../models/model.js';
import type { ConfiguredMethod } from '../methods/registry.js';
import { metricMeans, type MetricMean } from '../store/score-aggregate.js';
import { readSummary, scoreRow, scoresKind, withRunFile, type ScoresOptions, type MetricRunBase, type MetricRunResult } from './metric-run.js';
import { runKind, type CleanBatch } from './runner.js';
import type { RunContext } from '../methods/types.js';
import { storedLabel } from '../store/schema.js';

export interface FaithfulnessSpec extends MetricRunBase {
  metrics: FaithfulnessName[];
  options: FaithfulnessOptions;
}

/** Images per batch of a faithfulness run. */
export const FaithfulnessBatch = batchSizeOption(32);

export function faithfulnessConfig(s: FaithfulnessSpec): Record<string, unknown> {
  return { metrics: s.metrics, reduce: s.options.reduce, step: s.options.step ?? null, blur_sigma: s.options.blurSigma, blur_kernel: s.options.blurKernel };
}

export const faithfulnessKind = scoresKind<FaithfulnessSpec>({ command: 'faithfulness', config: faithfulnessConfig, metrics: (s) => s.metrics, score: scoreBatch });

export async function runFaithfulness(s: FaithfulnessSpec): Promise<MetricRunResult> {
  if (!(s.model instanceof TorchModel)) {
    throw new UserError(`deletion and insertion run the model natively, which needs a TorchScript model; ${s.model.path} is an ${s.model.kind} model`);
  }
  for (const m of s.metrics) faithfulnessMetric(m, s.options); // a bad name or option: refused before the run file opens
  return runKind(faithfulnessKind, s);
}

async function scoreBatch(s: FaithfulnessSpec, b: CleanBatch, ctx: RunContext) {
  const scores: ScoreRow[] = [];
  const metrics = s.metrics.map((m) => faithfulnessMetric(m, s.options));
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
      b.ids.forEach((id, i) => scores.push(scoreRow({ id, index: b.indices[i], label: storedLabel(b.labels[i]) }, metric.name, name, {
        clean_pred: b.targets[i],
        ...(failure ? { status: 'error' as const, reason: failure }
          : badMap[i] ? { status: 'error' as const, reason: 'the map has NaN or infinite values' }
            : { score: auc![i] }),
      })));
    }
  }
  return { scores };
}

/**
 * One number per (method, metric) for a model: the mean AUC over samples of deletion and
 * insertion, with n and direction. What `fass compare-metrics` builds on.
 */
export async function faithfulnessScores(
  model: Model, data: Dataset, methods: ConfiguredMethod[], metrics: FaithfulnessName[],
  opts: ScoresOptions & Partial<FaithfulnessOptions> = {},
): Promise<MetricMean[]> {
  const { seed: seedGiven, batchSize, internalBatchSize, out, ...rest } = opts;
  const seed = parseWith(Seed, seedGiven, 'seed', 'option');
  return withRunFile(out, async (path) => {
    await runFaithfulness({ model, data, methods, metrics, options: parseWith(FaithfulnessOptions, rest, 'faithfulness options', 'option'), seed, batchSize: parseWith(FaithfulnessBatch, batchSize, 'batchSize', 'option'), internalBatchSize, out: path });
    return metricMeans(await readSummary(path, seed));
  });
}
