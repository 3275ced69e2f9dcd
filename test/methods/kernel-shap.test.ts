/** kernel_shap: exact Shapley values of additive models, efficiency on the CNN, determinism. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadModel } from '../../src/models/index.js';
import { kernelShap } from '../../src/methods/kernel-shap.js';
import { kernels } from '../../src/methods/blackbox/kernels.js';
import type { AttributionInput } from '../../src/methods/types.js';
import { tensor } from '../../src/native.js';
import { reference, testDevice } from '../helpers.js';
import { LinearModel, bitEqual, prng, randomArray } from './blackbox/linear-model.js';

function input(data: Float32Array, shape: [number, number, number, number], seeds: number[], targets?: number[]): AttributionInput {
  return { data, shape, targets: Int32Array.from(targets ?? seeds.map(() => 0)), seeds: Uint32Array.from(seeds) };
}

/** Shapley value of each segment of a linear model: sum over its pixels of w (x - baseline). */
function exactShapley(w: Float32Array, x: Float32Array, baseline: Float32Array, labels: number[], m: number, c: number): Float64Array {
  const plane = labels.length;
  const phi = new Float64Array(m);
  for (let k = 0; k < c; k++) for (let p = 0; p < plane; p++) phi[labels[p]] += w[k * plane + p] * (x[k * plane + p] - baseline[k]);
  return phi;
}

test('grid superpixels: the Shapley values of a linear model, to 1e-4', async () => {
  const [c, h, w] = [3, 16, 16];
  const next = prng(5);
  const wts = randomArray(c * h * w, next, -1, 1);
  const model = new LinearModel([new Float64Array(c * h * w), Float64Array.from(wts)], [0, 0.2], [c, h, w]);
  const x = randomArray(c * h * w, next);
  const mean = Float32Array.of(0.3, 0.5, 0.7);
  const r = await kernelShap.run(model, input(x, [1, c, h, w], [3], [1]), kernelShap.params.parse({ segmentation: 'grid:4', S: 128 }), { meanColour: mean });
  const labels = Array.from({ length: h * w }, (_, p) => Math.floor((Math.floor(p / w) * 4) / h) * 4 + Math.floor(((p % w) * 4) / w));
  const phi = exactShapley(wts, x, mean, labels, 16, c);
  for (let k = 0; k < c; k++) for (let p = 0; p < h * w; p++) {
    const got = r.maps[k * h * w + p];
    assert.ok(Math.abs(got - phi[labels[p]]) < 1e-4, `pixel ${k},${p}: ${got} vs ${phi[labels[p]]}`);
  }
  assert.is(r.cost.forwardPasses, 128 + 2);
});

test('SLIC superpixels: the Shapley values of each SLIC segment', async () => {
  const [c, h, w] = [3, 24, 24];
  const next = prng(8);
  const wts = randomArray(c * h * w, next, -1, 1);
  const model = new LinearModel([Float64Array.from(wts)], [0], [c, h, w]);
  const x = randomArray(c * h * w, next);
  const p = kernelShap.params.parse({ n_segments: 12, baseline: 'black' });
  const r = await kernelShap.run(model, input(x, [1, c, h, w], [4]), p, {});
  const seg = await kernels().slic(tensor(x, [1, c, h, w]), 12, 10);
  const labels = Array.from(seg.labels.toTypedArray() as BigInt64Array, Number);
  const phi = exactShapley(wts, x, new Float32Array(3), labels, seg.segments[0], c);
  for (let q = 0; q < h * w; q++) assert.ok(Math.abs(r.maps[q] - phi[labels[q]]) < 1e-4, `pixel ${q}`);
});

test('efficiency on the CNN: the segments sum to f_t(x) - f_t(baseline)', async () => {
  const model = await loadModel(reference.torchscript(), { threads: 2, device: testDevice() });
  const x = reference.images().subarray(0, 2 * 784);
  const t = reference.pred().slice(0, 2);
  const r = await kernelShap.run(model, input(x, [2, 1, 28, 28], [1, 2], t), kernelShap.params.parse({ segmentation: 'grid:4', S: 64, baseline: 'black' }), {});
  const clean = await model.predict(x, [2, 1, 28, 28]);
  const black = await model.predict(new Float32Array(2 * 784), [2, 1, 28, 28]);
  for (let i = 0; i < 2; i++) {
    let sum = 0;
    for (let gy = 0; gy < 4; gy++) for (let gx = 0; gx < 4; gx++) sum += r.maps[i * 784 + gy * 7 * 28 + gx * 7];
    const gap = clean.data[i * 10 + t[i]] - black.data[i * 10 + t[i]];
    assert.ok(Math.abs(sum - gap) < 1e-4 * Math.max(1, Math.abs(gap)), `sample ${i}: sum ${sum} vs gap ${gap}`);
  }
});

test('one segment: phi = f(x) - f(baseline)', async () => {
  const model = new LinearModel([Float64Array.of(1, 2, 3, 4)], [0], [1, 2, 2]);
  const r = await kernelShap.run(model, input(Float32Array.of(1, 1, 1, 1), [1, 1, 2, 2], [1]), kernelShap.params.parse({ segmentation: 'grid:1', S: 4, baseline: 'black' }), {});
  assert.equal(Array.from(r.maps), [10, 10, 10, 10]);
});

test('same seeds: bit-identical however the batch is split; other seeds differ (ONNX, SLIC)', async () => {
  const model = await loadModel(reference.onnx(), { threads: 2 });
  const x = reference.images().subarray(4 * 784, 8 * 784);
  const t = reference.pred().slice(4, 8);
  const p = kernelShap.params.parse({ S: 40, baseline: 'black' });
  const all = await kernelShap.run(model, input(x, [4, 1, 28, 28], [11, 12, 13, 14], t), p, {});
  const a = await kernelShap.run(model, input(x.subarray(0, 2 * 784), [2, 1, 28, 28], [11, 12], t.slice(0, 2)), p, {});
  const b = await kernelShap.run(model, input(x.subarray(2 * 784), [2, 1, 28, 28], [13, 14], t.slice(2)), p, {});
  assert.ok(bitEqual(all.maps.subarray(0, 2 * 784), a.maps));
  assert.ok(bitEqual(all.maps.subarray(2 * 784), b.maps));
  const other = await kernelShap.run(model, input(x, [4, 1, 28, 28], [1, 2, 3, 4], t), p, {});
  assert.not.ok(bitEqual(all.maps, other.maps));
});

test('parameters: SPEC names and defaults', () => {
  assert.equal(kernelShap.params.parse({}), { S: 256, segmentation: 'slic', n_segments: 50, compactness: 10, baseline: 'mean' });
  for (const bad of [{ S: 0 }, { segmentation: 'grid:x' }, { compactness: 0 }, { N: 10 }]) {
    assert.not.ok(kernelShap.params.safeParse(bad).success, JSON.stringify(bad));
  }
});

test.run();
