/** lime: closed forms on a linear model with grid superpixels, determinism, TorchScript and ONNX. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../../src/errors.js';
import { loadModel } from '../../src/models/index.js';
import { lime } from '../../src/methods/lime.js';
import type { AttributionInput } from '../../src/methods/types.js';
import { reference, throwsWith, testDevice } from '../helpers.js';
import { LinearModel, bitEqual, pearson, prng, randomArray } from './blackbox/linear-model.js';

const [C, H, W, K] = [3, 12, 12, 3];
const MEAN = Float32Array.of(0.4, 0.5, 0.6);

/** A linear model on (3,12,12) images, one image, and each 3x3-grid segment's exact contribution. */
function linearSetup() {
  const next = prng(21);
  const w = randomArray(C * H * W, next, -1, 1);
  const model = new LinearModel([Float64Array.from(w), new Float64Array(C * H * W)], [0.1, 0], [C, H, W]);
  const x = randomArray(C * H * W, next);
  // f(b + (x - b) m) = f(b) + sum_j z_j sum_{p in j} w_p (x_p - b_p): segment j's coefficient
  const contribution = new Float64Array(K * K);
  for (let c = 0; c < C; c++) for (let y = 0; y < H; y++) for (let xx = 0; xx < W; xx++) {
    const j = c * H * W + y * W + xx;
    contribution[segmentOf(y, xx)] += w[j] * (x[j] - MEAN[c]);
  }
  return { model, x, contribution };
}
const segmentOf = (y: number, x: number) => Math.floor((y * K) / H) * K + Math.floor((x * K) / W);

function input(data: Float32Array, shape: [number, number, number, number], seeds: number[], targets?: number[]): AttributionInput {
  return { data, shape, targets: Int32Array.from(targets ?? seeds.map(() => 0)), seeds: Uint32Array.from(seeds) };
}

test('alpha 0: recovers each segment\'s contribution of a linear model exactly, in every channel', async () => {
  const { model, x, contribution } = linearSetup();
  const r = await lime.run(model, input(x, [1, C, H, W], [5]), lime.params.parse({ segmentation: 'grid:3', alpha: 0, S: 64 }), { meanColour: MEAN });
  assert.equal(r.shape, [1, C, H, W]);
  for (let c = 0; c < C; c++) for (let y = 0; y < H; y++) for (let xx = 0; xx < W; xx++) {
    const got = r.maps[c * H * W + y * W + xx], want = contribution[segmentOf(y, xx)];
    assert.ok(Math.abs(got - want) < 1e-4, `(${c},${y},${xx}): ${got} vs ${want}`);
  }
  assert.is(r.cost.forwardPasses, 64);
  assert.is(model.images, 64);
});

test('default alpha 1: the ridge shrinks the coefficients only a little', async () => {
  const { model, x, contribution } = linearSetup();
  const r = await lime.run(model, input(x, [1, C, H, W], [5]), lime.params.parse({ segmentation: 'grid:3' }), { meanColour: MEAN });
  const got = Array.from({ length: K * K }, (_, j) => r.maps[Math.floor(j / K) * (H / K) * W + (j % K) * (W / K)]);
  assert.ok(pearson(got, contribution) > 0.99);
  const scale = Math.max(...contribution.map(Math.abs));
  for (let j = 0; j < K * K; j++) {
    assert.ok(Math.abs(got[j] - contribution[j]) < 0.1 * scale, `segment ${j}: ${got[j]} vs ${contribution[j]}`);
  }
});

test('same seeds: bit-identical maps however the batch is split; other seeds differ (TorchScript, SLIC)', async () => {
  const model = await loadModel(reference.torchscript(), { threads: 2, device: testDevice() });
  const x = reference.images().subarray(0, 4 * 784);
  const targets = reference.pred().slice(0, 4);
  const p = lime.params.parse({ S: 40, baseline: 'black' });
  const all = await lime.run(model, input(x, [4, 1, 28, 28], [1, 2, 3, 4], targets), p, {});
  const a = await lime.run(model, input(x.subarray(0, 2 * 784), [2, 1, 28, 28], [1, 2], targets.slice(0, 2)), p, {});
  const b = await lime.run(model, input(x.subarray(2 * 784), [2, 1, 28, 28], [3, 4], targets.slice(2)), p, {});
  assert.ok(bitEqual(all.maps.subarray(0, 2 * 784), a.maps));
  assert.ok(bitEqual(all.maps.subarray(2 * 784), b.maps));
  const other = await lime.run(model, input(x, [4, 1, 28, 28], [5, 6, 7, 8], targets), p, {});
  assert.not.ok(bitEqual(all.maps, other.maps));
  assert.is(all.cost.forwardPasses, 4 * 40);
});

test('a batch past one SLIC chunk (80 images) gives the maps its two halves give', async () => {
  const model = await loadModel(reference.onnx(), { threads: 2 });
  const x16 = reference.images(), pred16 = reference.pred();
  const n = 80, x = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) x.set(x16.subarray((i % 16) * 784, (i % 16 + 1) * 784), i * 784);
  const targets = Array.from({ length: n }, (_, i) => pred16[i % 16]), seeds = Array.from({ length: n }, (_, i) => 100 + i);
  const p = lime.params.parse({ S: 8, baseline: 'black' });
  const all = await lime.run(model, input(x, [n, 1, 28, 28], seeds, targets), p, {});
  const a = await lime.run(model, input(x.subarray(0, 40 * 784), [40, 1, 28, 28], seeds.slice(0, 40), targets.slice(0, 40)), p, {});
  const b = await lime.run(model, input(x.subarray(40 * 784), [40, 1, 28, 28], seeds.slice(40), targets.slice(40)), p, {});
  assert.ok(bitEqual(all.maps.subarray(0, 40 * 784), a.maps));
  assert.ok(bitEqual(all.maps.subarray(40 * 784), b.maps));
  // The tiled copies keep their own draws, so the halves' agreement is not a repeat of one map.
  assert.not.ok(bitEqual(all.maps.subarray(0, 784), all.maps.subarray(16 * 784, 17 * 784)));
});

test('TorchScript and ONNX give the same maps (same draws, same segments)', async () => {
  const ts = await loadModel(reference.torchscript(), { threads: 2, device: testDevice() });
  const onnx = await loadModel(reference.onnx(), { threads: 2 });
  const x = reference.images().subarray(0, 2 * 784);
  const args = [input(x, [2, 1, 28, 28], [9, 10], reference.pred().slice(0, 2)), lime.params.parse({ S: 32, baseline: 'black' }), {}] as const;
  const a = await lime.run(ts, ...args), b = await lime.run(onnx, ...args);
  let scale = 0, diff = 0;
  for (let i = 0; i < a.maps.length; i++) { scale = Math.max(scale, Math.abs(a.maps[i])); diff = Math.max(diff, Math.abs(a.maps[i] - b.maps[i])); }
  assert.ok(diff < 1e-4 * scale, `max diff ${diff} against max ${scale}`);
});

test('bad parameters', async () => {
  const { model, x } = linearSetup();
  await throwsWith(lime.run(model, input(x, [1, C, H, W], [1]), lime.params.parse({ segmentation: 'grid:13' }), { meanColour: MEAN }), UserError, "'grid:13'", '1 <= K <= 12');
  await throwsWith(lime.run(model, input(x, [1, C, H, W], [1]), lime.params.parse({}), {}), UserError, "baseline 'mean'");
  await throwsWith(lime.run(model, input(x, [1, C, H, W], [1]), lime.params.parse({}), { meanColour: Float32Array.of(0.5) }), UserError, '1 channel(s)', 'the images have 3');
  for (const bad of [{ segmentation: 'quickshift' }, { segmentation: 'grid:0' }, { S: 1 }, { alpha: -1 }, { n_samples: 10 }, { baseline: 'blur' }]) {
    assert.not.ok(lime.params.safeParse(bad).success, JSON.stringify(bad));
  }
  const defaults = lime.params.parse({});
  assert.equal(defaults, { S: 256, segmentation: 'slic', n_segments: 50, compactness: 10, baseline: 'mean', alpha: 1, kernel_width: 0.25 });
});

test.run();
