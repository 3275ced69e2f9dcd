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
