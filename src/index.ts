/**
 * fass as a library: the same pieces the CLI uses, under the same names.
 *
 *   const data = await openDataset('fashion-mnist:test', { n: 64 });
 *   const model = await loadModel('models/fashion-cnn.pt');
 *   const ig = configure({ name: 'integrated_gradients', n_steps: 32 });
 *   for await (const b of data.batches(64)) { ... ig.method.run(model, input, ig.params, ctx) ... }
 */
export * from './errors.js';
export * from './data/index.js';
export * from './models/index.js';
export * from './methods/index.js';
export { attribute, type AttributeSpec, type AttributeResult } from './pipeline/attribute.js';
export { OsrMetric, OsrOptions, osrConfig, osrOf, type OsrConfig, type Neighbours, type OsrScore } from './metrics/osr.js';
export { runOsr, osrScores, type OsrSpec, type OsrMethodScore } from './pipeline/osr.js';
export { native, tensor, type Tensor } from './native.js';
export { readNpy, writeNpy, NpyWriter } from './util/npy.js';
export { robustnessMetric, parseRobustnessMetrics, ROBUSTNESS, ROBUSTNESS_METRICS, type RobustnessMetric, type RobustnessName, type SampleScore } from './metrics/robustness.js';
export { faithfulnessMetric, parseFaithfulnessMetrics, FAITHFULNESS, FAITHFULNESS_METRICS, type FaithfulnessMetric, type FaithfulnessName } from './metrics/faithfulness.js';
export { consistencyScores } from './metrics/consistency.js';
export { runRobustness, robustnessScores, type RobustnessSpec } from './pipeline/robustness.js';
export { runFaithfulness, faithfulnessScores, type FaithfulnessSpec } from './pipeline/faithfulness.js';
export { summariseScores, metricMeans, type MetricSummary, type MetricMean } from './store/score-aggregate.js';
