/**
 * fass as a library: the same pieces the CLI uses, under the same names (README, "fass as a
 * library"). A stability study in a few lines:
 *
 *   const data = await openDataset('fashion-mnist:test', { n: 64 });
 *   const model = await loadModel('models/fashion-cnn.pt');
 *   const methods = ['saliency', 'gradcam'].map((name) => configure({ name }));
 *   const r = await runStability({ model, data, methods, perturbations: parsePerturbations('hflip,rotate:10'),
 *     metrics: parseMetrics('ssim,spearman,topk_jaccard,fass'), filter: { kind: 'top1' }, reduce: 'sum',
 *     seed: 0, batchSize: 64, gallery: 0, out: 'run.duckdb' });
 *   const summary = await withRun('run.duckdb', (f) => summariseStability(f, 0, 'top1'));
 *
 * Every bad value is a UserError (isUserError) naming it; library calls validate what they take.
 */
export * from './errors.js';

// Datasets, models, attribution methods.
export * from './data/index.js';
export * from './models/index.js';
export * from './methods/index.js';
export { prepareMethods } from './methods/prepare.js';

// Perturbations (SPEC.md section 3).
export * from './perturb/index.js';

// Metrics: one interface and direction (metric.ts), one ranking.
export { higherIsBetter, SANITY_METRIC, type Metric } from './metrics/metric.js';
export { rankMethods, rankAgreement, type MethodMean, type RankedMethod, type RankAgreement } from './metrics/ranking.js';
export {
  similarity, similarityMetric, parseMetrics, summarise as summarisePairs, SIMILARITY_METRICS, SIMILARITY_METRIC_NAMES, REDUCTIONS,
  type SimilarityMetric, type SimilarityMetricName, type MetricSpec, type PairScores, type Reduction, type MapsInput, type MaskInput,
  type MetricSummary as PairSummary,
} from './metrics/similarity.js';
export { robustnessMetric, parseRobustnessMetrics, ROBUSTNESS, ROBUSTNESS_METRICS, RobustnessOptions, type RobustnessMetric, type RobustnessName, type SampleScore } from './metrics/robustness.js';
export { faithfulnessMetric, parseFaithfulnessMetrics, FAITHFULNESS, FAITHFULNESS_METRICS, FaithfulnessOptions, type FaithfulnessMetric, type FaithfulnessName } from './metrics/faithfulness.js';
export { consistencyScores } from './metrics/consistency.js';
export { OsrMetric, OsrOptions, OSR_METRICS, osrConfig, osrOf, type OsrConfig, type Neighbours, type OsrScore } from './metrics/osr.js';

// Runs: one runner (pipeline/runner.ts), one kind per command.
export { shardRange, parseShard, type RunBase, type RunProgress, type RunResult } from './pipeline/runner.js';
export { runStability, parseFilter, StabilityBatch, type StabilitySpec, type StabilityResult, type Filter } from './pipeline/stability.js';
export { runSanity, cascade, SanityBatch, SANITY_METRICS, type SanitySpec } from './pipeline/sanity.js';
export { summariseSanity, type SanitySummary } from './store/sanity-aggregate.js';
export { partners, CONTROLS, ControlsOption, type Controls } from './pipeline/chance.js';
export { runOsr, osrScores, OsrK, type OsrSpec, type OsrMethodScore } from './pipeline/osr.js';
export { runRobustness, robustnessScores, RobustnessBatch, type RobustnessSpec } from './pipeline/robustness.js';
export { runFaithfulness, faithfulnessScores, FaithfulnessBatch, type FaithfulnessSpec } from './pipeline/faithfulness.js';
export { runCompareMetrics, compareSpec, COMPARE_METRICS, type CompareSpec, type CompareResult } from './pipeline/compare-metrics.js';
export { compareMaps, CompareMapsOptions } from './pipeline/compare-maps.js';
export { attribute, type AttributeSpec, type AttributeResult } from './pipeline/attribute.js';
export { presetValues, RUN_PRESETS } from './config/presets.js';

// Run files: reading, summaries, export and merge.
export { RunFile, withRun, withRunFile } from './store/run-file.js';
export { kindOf } from './pipeline/kinds.js';
export { summarise as summariseStability, type Summary, type Cell, type Ranking, type Stat } from './store/aggregate.js';
export { summariseOsr, type OsrSummary } from './store/osr-aggregate.js';
export { summariseScores, metricMeans, type MetricSummary, type MetricMean } from './store/score-aggregate.js';
export { exportRun } from './store/export.js';
export { merge } from './store/merge.js';
export type { Tensor } from './native.js';
export { readNpy, writeNpy, NpyWriter } from './util/npy.js';
