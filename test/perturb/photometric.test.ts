/** Photometric perturbations against their closed forms; noise per sample from its own seed. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../../src/errors.js';
import { tensor } from '../../src/native.js';
import { align, makeSpec, perturb, validMask } from '../../src/perturb/index.js';
import { deriveSeed } from '../../src/methods/seeds.js';
import { maxDiff, throwsWith, onTestDevice } from '../helpers.js';

const [H, W] = [16, 16];
/** (N,3,H,W) values spread over [0,1], different per channel and sample. */
function ramp(n: number, c = 3, h = H, w = W): Float32Array {
  const size = c * h * w;
  return Float32Array.from({ length: n * size }, (_, i) => (((i * 37) % 101) / 100) * (1 - 0.3 * Math.floor(i / size)));
}
async function run(data: Float32Array, shape: number[], name: string, sev: number, seeds?: Uint32Array): Promise<Float32Array> {
  const t = await perturb(onTestDevice({ data, shape }), makeSpec(name, sev), seeds);
  assert.equal(t.shape, shape);
  return t.toTypedArray() as Float32Array;
}
const clamp = (v: number) => Math.min(1, Math.max(0, v));

test('brightness: x * f clamped to [0,1]', async () => {
  const x = ramp(2);
  for (const f of [0.8, 1.2, 1.5]) {
    const y = await run(x, [2, 3, H, W], 'brightness', f);
    assert.ok(maxDiff(y, x.map((v) => clamp(v * f))) < 1e-6, `x${f}`);
  }
  const y = await run(new Float32Array([0.4, 0.8, 0, 1]), [1, 1, 2, 2], 'brightness', 1.5);
  assert.ok(maxDiff(y, [0.6, 1, 0, 1]) < 1e-6);
});

test("contrast: 1 is the identity, 0 the image's mean grey, f blends with it (per image, luma for RGB)", async () => {
  const x = ramp(2);
  assert.ok(maxDiff(await run(x, [2, 3, H, W], 'contrast', 1), x) < 1e-6);
  const plane = H * W;
  const grey = [0, 1].map((i) => {
    let s = 0;
    for (let p = 0; p < plane; p++) s += 0.2989 * x[i * 3 * plane + p] + 0.587 * x[i * 3 * plane + plane + p] + 0.114 * x[i * 3 * plane + 2 * plane + p];
    return s / plane;
  });
  assert.ok(Math.abs(grey[0] - grey[1]) > 1e-3, 'the two images should differ in mean grey');
  const zero = await run(x, [2, 3, H, W], 'contrast', 0);
  for (let i = 0; i < zero.length; i++) assert.ok(Math.abs(zero[i] - grey[Math.floor(i / (3 * plane))]) < 1e-5, `element ${i}`);
  for (const f of [0.7, 1.3]) {
    const y = await run(x, [2, 3, H, W], 'contrast', f);
    const want = x.map((v, i) => clamp(f * v + (1 - f) * grey[Math.floor(i / (3 * plane))]));
    assert.ok(maxDiff(y, want) < 1e-5, `contrast ${f}`);
  }
  // one channel: the plain mean
  const g = new Float32Array([0, 0.2, 0.4, 1]);
  assert.ok(maxDiff(await run(g, [1, 1, 2, 2], 'contrast', 0.5), [0.2, 0.3, 0.4, 0.7]) < 1e-6);
});

test('gamma: 1 is the identity, x ^ g otherwise', async () => {
  const x = ramp(1);
  assert.ok(maxDiff(await run(x, [1, 3, H, W], 'gamma', 1), x) < 1e-6);
  for (const g of [0.8, 1.25, 2]) assert.ok(maxDiff(await run(x, [1, 3, H, W], 'gamma', g), x.map((v) => v ** g)) < 1e-6, `gamma ${g}`);
});

test("blur: the Gaussian of native gaussian_blur (radius ceil(3.5 sigma), normalised, scipy 'reflect' borders)", async () => {
  for (const sigma of [0.5, 1, 2]) {
    const r = Math.ceil(3.5 * sigma);
    const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
    const ks = k.reduce((a, v) => a + v, 0);
    const kn = (d: number) => (Math.abs(d) <= r ? k[d + r] / ks : 0);
    // an impulse inside: the response is the separable kernel
    const x = new Float32Array(H * W);
    x[8 * W + 7] = 1;
    const y = await run(x, [1, 1, H, W], 'blur', sigma);
    const want = Float32Array.from({ length: H * W }, (_, i) => kn(Math.floor(i / W) - 8) * kn((i % W) - 7));
    assert.ok(maxDiff(y, want) < 1e-6, `sigma ${sigma}: impulse response`);
    // an impulse on the left edge: reflect folds pixel -1 onto 0, -2 onto 1: column j gets k(j) + k(j+1)
    const e = new Float32Array(H * W);
    for (let row = 0; row < H; row++) e[row * W] = 1;
    const ye = await run(e, [1, 1, H, W], 'blur', sigma);
    for (let j = 0; j < 4; j++) assert.ok(Math.abs(ye[8 * W + j] - (kn(j) + kn(j + 1))) < 1e-6, `sigma ${sigma}: border column ${j}`);
    // constants stay constant (reflect borders)
    const flat = await run(new Float32Array(H * W).fill(0.3), [1, 1, H, W], 'blur', sigma);
    assert.ok(maxDiff(flat, new Float32Array(H * W).fill(0.3)) < 1e-6);
  }
});

test('noise: right std, clamped, identical for the same seed whatever the batch split, different for another seed', async () => {
  const [h, w] = [64, 64];
  const n = 4;
  const x = new Float32Array(n * 3 * h * w).fill(0.5);
  const seeds = Uint32Array.from(['a', 'b', 'c', 'd'], (id) => deriveSeed(7, id, 'noise:0.05', 'saliency'));
  const all = await run(x, [n, 3, h, w], 'noise', 0.05, seeds);
  const size = 3 * h * w;
  for (let i = 0; i < n; i++) {
    const d = all.subarray(i * size, (i + 1) * size);
    const mean = d.reduce((a, v) => a + v, 0) / size;
    const std = Math.sqrt(d.reduce((a, v) => a + (v - mean) ** 2, 0) / size);
    assert.ok(Math.abs(mean - 0.5) < 0.003, `sample ${i}: mean ${mean}`);
    assert.ok(Math.abs(std - 0.05) < 0.0015, `sample ${i}: std ${std}`);
  }
  const first = await run(x.subarray(0, size), [1, 3, h, w], 'noise', 0.05, seeds.subarray(0, 1));
  const rest = await run(x.subarray(size), [3, 3, h, w], 'noise', 0.05, seeds.subarray(1));
  assert.equal(first, all.subarray(0, size));
  assert.equal(rest, all.subarray(size));
  const other = await run(x.subarray(0, size), [1, 3, h, w], 'noise', 0.05, Uint32Array.of(seeds[0] + 1));
  assert.ok(maxDiff(other, first) > 0.05);
  // samples differ from each other
  assert.ok(maxDiff(all.subarray(0, size), all.subarray(size, 2 * size)) > 0.05);
  // clamped
  const hi = await run(new Float32Array(size).fill(0.95), [1, 3, h, w], 'noise', 0.15, seeds.subarray(0, 1));
  assert.ok(hi.every((v) => v >= 0 && v <= 1));
  assert.ok(hi.some((v) => v === 1));
});

test('noise needs one seed per sample', async () => {
  const x = new Float32Array(2 * 4).fill(0.5);
  await throwsWith(perturb({ data: x, shape: [2, 1, 2, 2] }, makeSpec('noise', 0.1)), UserError, 'noise:0.1 needs one seed per sample', '2 samples', 'no seeds');
  await throwsWith(perturb({ data: x, shape: [2, 1, 2, 2] }, makeSpec('noise', 0.1), Uint32Array.of(1)), UserError, '1 seeds');
});

test('photometric alignment is the identity with an all-ones mask; the input is not modified', async () => {
  const x = ramp(1);
  const t = tensor(x, [1, 3, H, W]);
  const spec = makeSpec('brightness', 1.5);
  const y = await perturb(t, spec);
  assert.equal(t.toTypedArray(), x);
  assert.ok((await align(y, spec)) === y);
  const m = validMask(spec, H, W);
  assert.is(m.length, H * W);
  assert.ok(m.every((v) => v === 1));
});

test.run();
