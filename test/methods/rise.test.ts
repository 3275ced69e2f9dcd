/** rise: agreement with a near-linear model's weights, determinism, chunking, shape and defaults. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../../src/errors.js';
import { loadModel } from '../../src/models/index.js';
import { rise, riseGrid } from '../../src/methods/rise.js';
import type { AttributionInput } from '../../src/methods/types.js';
import { reference, throwsWith, testDevice } from '../helpers.js';
import { LinearModel, bitEqual, pearson } from './blackbox/linear-model.js';

function input(data: Float32Array, shape: [number, number, number, number], seeds: number[], targets?: number[]): AttributionInput {
  return { data, shape, targets: Int32Array.from(targets ?? seeds.map(() => 0)), seeds: Uint32Array.from(seeds) };
}

test('a near-linear model: the map correlates with the true weights (Pearson > 0.9)', async () => {
  // Two classes with logits +-w . x and small weights: the softmax probability is nearly linear in
  // the kept pixels, so E[p(x * M) M] / p follows w, blurred at the masks' scale. w is a ramp,
  // which that blur keeps; x is all ones, so w is also the true input-times-weight attribution.
  const [h, w] = [32, 32];
  const weights = new Float64Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) weights[y * w + x] = (0.008 * ((x - 15.5) + 0.5 * (y - 15.5))) / 16;
  const model = new LinearModel([weights, weights.map((v) => -v)], [0, 0], [1, h, w]);
  const r = await rise.run(model, input(new Float32Array(3 * h * w).fill(1), [3, 1, h, w], [17, 1, 2]), rise.params.parse({ N: 2000 }), {});
  assert.equal(r.shape, [3, 1, h, w]);
  for (let i = 0; i < 3; i++) {
    const rho = pearson(r.maps.subarray(i * h * w, (i + 1) * h * w), weights);
    assert.ok(rho > 0.9, `sample ${i}: Pearson ${rho}`);
  }
  assert.is(r.cost.forwardPasses, 3 * 2000);
});

test('same seeds: bit-identical however the batch is split; other seeds differ (TorchScript)', async () => {
  const model = await loadModel(reference.torchscript(), { threads: 2, device: testDevice() });
  const x = reference.images().subarray(0, 4 * 784);
  const t = reference.pred().slice(0, 4);
  const p = rise.params.parse({ N: 100 });
  const all = await rise.run(model, input(x, [4, 1, 28, 28], [1, 2, 3, 4], t), p, {});
  const a = await rise.run(model, input(x.subarray(0, 2 * 784), [2, 1, 28, 28], [1, 2], t.slice(0, 2)), p, {});
  const b = await rise.run(model, input(x.subarray(2 * 784), [2, 1, 28, 28], [3, 4], t.slice(2)), p, {});
  assert.equal(all.shape, [4, 1, 28, 28]);
  assert.ok(bitEqual(all.maps.subarray(0, 2 * 784), a.maps));
  assert.ok(bitEqual(all.maps.subarray(2 * 784), b.maps));
  const other = await rise.run(model, input(x, [4, 1, 28, 28], [5, 6, 7, 8], t), p, {});
  assert.not.ok(bitEqual(all.maps, other.maps));
});

test('the internal batch size changes nothing but the call count (float64 accumulation)', async () => {
  const model = new LinearModel([Float64Array.from({ length: 64 }, (_, i) => Math.sin(i)), new Float64Array(64)], [0, 0], [1, 8, 8]);
  const x = Float32Array.from({ length: 64 }, (_, i) => (i % 7) / 7);
  const p = rise.params.parse({ N: 90, s: 2 });
  const big = await rise.run(model, input(x, [1, 1, 8, 8], [3]), p, {});
  const calls = model.calls;
  const small = await rise.run(model, input(x, [1, 1, 8, 8], [3]), p, { internalBatchSize: 16 });
  assert.is(model.calls - calls, 6);
  assert.ok(bitEqual(big.maps, small.maps));
});

test('p = 1 keeps every pixel: the map is the clean probability everywhere', async () => {
  const model = new LinearModel([Float64Array.from({ length: 16 }, () => 0.1), new Float64Array(16)], [0, 0], [1, 4, 4]);
  const r = await rise.run(model, input(new Float32Array(16).fill(1), [1, 1, 4, 4], [1]), rise.params.parse({ N: 10, p: 1, s: 2 }), {});
  const prob = 1 / (1 + Math.exp(-1.6));
  for (const v of r.maps) assert.ok(Math.abs(v - prob) < 1e-6, `${v} vs ${prob}`);
});

test('parameters: SPEC names, defaults, s by image size, errors', async () => {
  assert.equal(rise.params.parse({}), { N: 1000, p: 0.5 });
  assert.is(riseGrid(rise.params.parse({}), 28, 28), 4);
  assert.is(riseGrid(rise.params.parse({}), 224, 224), 7);
  assert.is(riseGrid(rise.params.parse({}), 63, 224), 4);
  for (const bad of [{ N: 0 }, { p: 0 }, { p: 1.5 }, { s: 0 }, { n_masks: 5 }]) {
    assert.not.ok(rise.params.safeParse(bad).success, JSON.stringify(bad));
  }
  const model = new LinearModel([new Float64Array(16)], [0], [1, 4, 4]);
  await throwsWith(rise.run(model, input(new Float32Array(16), [1, 1, 4, 4], [1]), rise.params.parse({ s: 5 }), {}), UserError, 's = 5', '1 <= s <= 4');
});

test.run();
