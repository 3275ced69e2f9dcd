/** The black-box kernels (native/kernels/) called directly: masks, compose, segments, fits, RISE draws. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tensor, type Tensor } from '../../../src/native.js';
import { kernels } from '../../../src/methods/blackbox/kernels.js';
import { maxDiff, throwsWith } from '../../helpers.js';
import { bitEqual, prng, randomArray } from './linear-model.js';

const k = () => kernels();
const f32 = (t: Tensor) => t.toTypedArray() as Float32Array;
const labelsOf = (t: Tensor) => Array.from(t.toTypedArray() as BigInt64Array, Number);

test('occlusionMasks: Captum positions (y fastest), border windows clipped, row 0 all ones', async () => {
  const m = await k().occlusionMasks(5, 6, 2, 3, 2, 2);
  // rows: ceil((5-2)/2)+1 = 3 positions, columns: ceil((6-3)/2)+1 = 3 positions
  assert.equal(m.shape, [1 + 9, 1, 5, 6]);
  const v = f32(m);
  assert.ok(v.subarray(0, 30).every((x) => x === 1));
  const zeros = (p: number) => {
    const out: string[] = [];
    for (let i = 0; i < 30; i++) if (v[(1 + p) * 30 + i] === 0) out.push(`${Math.floor(i / 6)},${i % 6}`);
    return out;
  };
  assert.equal(zeros(0), ['0,0', '0,1', '0,2', '1,0', '1,1', '1,2']);
  assert.equal(zeros(1), ['2,0', '2,1', '2,2', '3,0', '3,1', '3,2']);  // second position moves down
  assert.equal(zeros(2), ['4,0', '4,1', '4,2']);                        // clipped at the bottom
  assert.equal(zeros(8), ['4,4', '4,5']);                               // clipped in both axes
});

test('occlusionAverage: mean of the drops over the windows covering each pixel', async () => {
  const m = await k().occlusionMasks(3, 3, 2, 2, 1, 1);  // 4 windows of 2x2
  const scores = tensor(Float32Array.of(10, 9, 8, 7, 6), [5]);
  const avg = f32(await k().occlusionAverage(scores, m));
  // drops 1, 2, 3, 4 for windows at (0,0), (1,0), (0,1), (1,1)
  assert.equal(Array.from(avg), [1, 2, 3, 1.5, 2.5, 3.5, 2, 3, 4]);
});

test('composeMasked: x * keep + baseline * (1 - keep), per sample, rows [start, end)', async () => {
  const x = tensor(Float32Array.from({ length: 2 * 2 * 2 * 2 }, (_, i) => i + 1), [2, 2, 2, 2]);
  const keep = tensor(Float32Array.of(1, 0, 0, 1, 0.5, 0.5, 1, 1, 0, 0, 0, 0), [3, 1, 2, 2]);
  const out = await k().composeMasked(x, 1, keep, 1, 3, tensor(Float32Array.of(-1, -2), [2]));
  assert.equal(out.shape, [2, 2, 2, 2]);
  const img = [9, 10, 11, 12, 13, 14, 15, 16];
  const expect: number[] = [];
  for (const [mask] of [[[0.5, 0.5, 1, 1]], [[0, 0, 0, 0]]]) {
    for (let c = 0; c < 2; c++) for (let p = 0; p < 4; p++) expect.push(img[c * 4 + p] * mask[p] + (c === 0 ? -1 : -2) * (1 - mask[p]));
  }
  assert.equal(Array.from(f32(out)), expect);
});

test('composeMaskedInto: the same rows, written into a view of a JavaScript buffer; a wrong size is refused', async () => {
  const x = tensor(Float32Array.from({ length: 2 * 3 * 4 * 4 }, (_, i) => Math.sin(i)), [2, 3, 4, 4]);
  const keep = tensor(Float32Array.from({ length: 5 * 16 }, (_, i) => (i * 7) % 5 / 4), [5, 1, 4, 4]);
  const baseline = tensor(Float32Array.from({ length: 3 * 16 }, (_, i) => -i / 10), [3, 4, 4]);
  const want = f32(await k().composeMasked(x, 1, keep, 1, 4, baseline));
  const buffer = new Float32Array(want.length + 5).fill(7);
  await k().composeMaskedInto(x, 1, keep, 1, 4, baseline, buffer.subarray(0, want.length));
  assert.equal(Array.from(buffer.subarray(0, want.length)), Array.from(want));
  assert.equal(Array.from(buffer.subarray(want.length)), [7, 7, 7, 7, 7], 'nothing written past the view');
  const colour = tensor(Float32Array.of(0.25, 0.5, 0.75), [3]);
  const plain = f32(await k().composeMasked(x, 0, keep, 0, 5, colour));
  const into = new Float32Array(plain.length);
  await k().composeMaskedInto(x, 0, keep, 0, 5, colour, into);
  assert.equal(Array.from(into), Array.from(plain));
  await throwsWith(k().composeMaskedInto(x, 0, keep, 0, 5, colour, new Float32Array(plain.length - 1)), Error, 'contiguous CPU float32 tensor of [5, 3, 4, 4] values');
});

test('gridSegments: exact K x K blocks', async () => {
  const g = labelsOf(await k().gridSegments(5, 7, 3));
  for (let y = 0; y < 5; y++) for (let x = 0; x < 7; x++) assert.is(g[y * 7 + x], Math.floor((y * 3) / 5) * 3 + Math.floor((x * 3) / 7));
  assert.equal([...new Set(g)].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
});

/** True when every label's pixels form one 4-connected region. */
function connected(labels: number[], h: number, w: number): boolean {
  const seen = new Uint8Array(h * w);
  const starts = new Map<number, number>();
  labels.forEach((l, i) => { if (!starts.has(l)) starts.set(l, i); });
  for (const [label, start] of starts) {
    const queue = [start];
    seen[start] = 1;
    while (queue.length) {
      const p = queue.pop()!;
      const y = Math.floor(p / w), x = p % w;
      for (const [yy, xx] of [[y + 1, x], [y - 1, x], [y, x + 1], [y, x - 1]]) {
        const q = yy * w + xx;
        if (yy >= 0 && yy < h && xx >= 0 && xx < w && !seen[q] && labels[q] === label) { seen[q] = 1; queue.push(q); }
      }
    }
  }
  return labels.every((_, i) => seen[i] === 1);
}

/** A 3-channel 40x40 image: a red disc on a blue ground with a little noise. */
function disc(): Float32Array {
  const next = prng(3);
  const img = new Float32Array(3 * 40 * 40);
  for (let y = 0; y < 40; y++) for (let x = 0; x < 40; x++) {
    const inside = (y - 18) ** 2 + (x - 22) ** 2 < 12 ** 2;
    const rgb = inside ? [0.9, 0.1, 0.1] : [0.1, 0.2, 0.8];
    for (let c = 0; c < 3; c++) img[c * 1600 + y * 40 + x] = rgb[c] + 0.02 * next();
  }
  return img;
}

test('slic: labels in [0, M), connected segments, about n_segments of them, edges respected', async () => {
  const img = disc();
  const r = await k().slic(tensor(img, [1, 3, 40, 40]), 25, 10);
  const labels = labelsOf(r.labels);
  const m = r.segments[0];
  assert.ok(m >= 12 && m <= 50, `M = ${m} for n_segments 25`);
  assert.equal([...new Set(labels)].sort((a, b) => a - b), Array.from({ length: m }, (_, i) => i));
  assert.ok(connected(labels, 40, 40), 'a segment is split in pieces');
  // CIELAB distance dominates across the disc's rim: hardly any segment mixes red and blue
  let mixed = 0;
  for (let s = 0; s < m; s++) {
    const px = labels.flatMap((l, i) => (l === s ? [i] : []));
    const red = px.filter((i) => img[i] > 0.5).length;
    if (red > 0 && red < px.length) mixed += Math.min(red, px.length - red);
  }
  assert.ok(mixed <= 20, `${mixed} pixels sit in a segment dominated by the other colour`);
});

test('slic: grey images, batches equal single images, deterministic', async () => {
  const next = prng(11);
  const a = randomArray(2 * 28 * 28, next);
  const both = await k().slic(tensor(a, [2, 1, 28, 28]), 50, 10);
  const second = await k().slic(tensor(a.subarray(784), [1, 1, 28, 28]), 50, 10);
  assert.equal(both.labels.shape, [2, 28, 28]);
  assert.equal(labelsOf(both.labels).slice(784), labelsOf(second.labels));
  assert.is(both.segments[1], second.segments[0]);
  const again = await k().slic(tensor(a, [2, 1, 28, 28]), 50, 10);
  assert.equal(labelsOf(again.labels), labelsOf(both.labels));
  // Rows [1, 2) of the batch, read in place: the second image's labels.
  const row = await k().slic(tensor(a, [2, 1, 28, 28]), 50, 10, undefined, 1, 2);
  assert.equal(row.labels.shape, [1, 28, 28]);
  assert.equal(labelsOf(row.labels), labelsOf(second.labels));
  for (const [start, end] of [[1, 1], [-1, 1], [0, 3]]) {
    assert.throws(() => k().slic(tensor(a, [2, 1, 28, 28]), 50, 10, undefined, start, end), /slic: rows/);
  }
  for (let i = 0; i < 2; i++) {
    const l = labelsOf(both.labels).slice(i * 784, (i + 1) * 784);
    assert.ok(l.every((v) => v >= 0 && v < both.segments[i]));
    assert.ok(connected(l, 28, 28));
  }
});

test('segmentMasks and segmentValues follow the labels', async () => {
  const labels = await k().gridSegments(4, 4, 2);
  const z = tensor(Float32Array.of(1, 0, 0, 1, 0, 1, 1, 0), [2, 4]);
  const masks = f32(await k().segmentMasks(labels, 0, z, 1, 2));
  assert.equal(Array.from(masks), [0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0]);
  const values = f32(await k().segmentValues(labels, 0, tensor(Float32Array.of(5, 6, 7, 8), [4])));
  assert.equal(Array.from(values), [5, 5, 6, 6, 5, 5, 6, 6, 7, 7, 8, 8, 7, 7, 8, 8]);
});

test('binarySamples: head rows, seeded draws, frequency p', async () => {
  const z = f32(await k().binarySamples(42, 400, 10, 0.3, [1, 0]));
  assert.ok(z.subarray(0, 10).every((v) => v === 1));
  assert.ok(z.subarray(10, 20).every((v) => v === 0));
  const mean = z.subarray(20).reduce((s, v) => s + v, 0) / 4000;
  assert.ok(Math.abs(mean - 0.3) < 0.03, `frequency ${mean}`);
  assert.ok(bitEqual(z, f32(await k().binarySamples(42, 400, 10, 0.3, [1, 0]))));
  assert.not.ok(bitEqual(z, f32(await k().binarySamples(43, 400, 10, 0.3, [1, 0]))));
});

test('weightedRidge: hand-solved systems', async () => {
  // no intercept, alpha 0: normal equations [[3,2],[2,3]] b = [9,10] -> b = (1.4, 2.4)
  const x = tensor(Float32Array.of(1, 0, 0, 1, 1, 1), [3, 2]);
  const r0 = await k().weightedRidge(x, tensor(Float32Array.of(1, 2, 4), [3]), tensor(Float32Array.of(1, 1, 2), [3]), 0, false);
  assert.ok(maxDiff(f32(r0.coef), [1.4, 2.4]) < 1e-6);
  assert.is(r0.intercept, 0);
  // intercept and alpha 1, weights (2,1,1,0): weighted means 0.75, 1.75; Sxx 2.75, Sxy 1.75
  // -> b = 1.75 / (2.75 + 1) = 0.4667, a = 1.75 - 0.75 b = 1.4
  const x1 = tensor(Float32Array.of(0, 1, 2, 3), [4, 1]);
  const r1 = await k().weightedRidge(x1, tensor(Float32Array.of(1, 3, 2, 5), [4]), tensor(Float32Array.of(2, 1, 1, 0), [4]), 1, true);
  assert.ok(Math.abs(f32(r1.coef)[0] - 1.75 / 3.75) < 1e-6);
  assert.ok(Math.abs(r1.intercept - 1.4) < 1e-9);
});

test('limeFit: ridge with weights sqrt(exp(-d^2 / width^2)) of the cosine distance to all ones', async () => {
  const m = 6, s = 40;
  const z = await k().binarySamples(5, s - 1, m, 0.5, [1]);
  const zv = f32(z);
  const next = prng(9);
  const y = randomArray(s, next, -1, 1);
  const w = new Float32Array(s);
  for (let i = 0; i < s; i++) {
    const on = zv.subarray(i * m, (i + 1) * m).reduce((a, b) => a + b, 0);
    const d = on === 0 ? 1 : 1 - on / Math.sqrt(on * m);
    w[i] = Math.sqrt(Math.exp(-(d * d) / 0.25 ** 2));
  }
  const lime = await k().limeFit(z, tensor(y, [s]), 1, 0.25);
  const direct = await k().weightedRidge(z, tensor(y, [s]), tensor(w, [s]), 1, true);
  assert.ok(maxDiff(f32(lime.coef), f32(direct.coef)) < 1e-5);
  assert.ok(Math.abs(lime.intercept - direct.intercept) < 1e-5);
});

test('kernelShapFit: exact on additive data, efficiency holds, M = 1', async () => {
  const m = 7;
  const z = await k().binarySamples(1, 60, m, 0.5, [1, 0]);
  const zv = f32(z);
  const c = [0.5, -1, 2, 0, 0.25, -0.75, 1.5];
  const f0 = 0.3;
  const y = new Float32Array(62);
  for (let i = 0; i < 62; i++) y[i] = f0 + c.reduce((s, v, j) => s + v * zv[i * m + j], 0);
  const phi = f32(await k().kernelShapFit(z, tensor(y, [62]), y[0], y[1]));
  assert.ok(maxDiff(phi, c) < 1e-5, `phi ${Array.from(phi)}`);
  const one = f32(await k().kernelShapFit(tensor(Float32Array.of(1, 0), [2, 1]), tensor(Float32Array.of(3, 1), [2]), 3, 1));
  assert.equal(Array.from(one), [2]);
});

test('kernelShapFit over every coalition of a non-additive game: the exact Shapley values', async () => {
  // With all 2^M coalitions, the Shapley-kernel regression under efficiency is exact for any game
  // (Lundberg & Lee 2017); M = 4 is the smallest M whose kernel weights differ across sizes.
  const m = 4;
  const game = (z: number[]) => 1 + z[0] * z[1] * 2 - z[2] * z[3] + 0.5 * z[0] * z[2] * z[3] + 0.25 * z[1];
  const rows: number[][] = [];
  for (let mask = 0; mask < 1 << m; mask++) rows.push(Array.from({ length: m }, (_, j) => (mask >> j) & 1));
  const y = Float32Array.from(rows, game);
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const exact = Array.from({ length: m }, (_, i) => rows.filter((r) => r[i] === 0).reduce((sum, r) => {
    const size = r.reduce((a, b) => a + b, 0);
    const withI = r.map((v, j) => (j === i ? 1 : v));
    return sum + (fact(size) * fact(m - size - 1) / fact(m)) * (game(withI) - game(r));
  }, 0));
  const z = tensor(Float32Array.from(rows.flat()), [rows.length, m]);
  const phi = f32(await k().kernelShapFit(z, tensor(y, [rows.length]), game([1, 1, 1, 1]), game([0, 0, 0, 0])));
  assert.ok(maxDiff(phi, exact) < 1e-5, `phi ${Array.from(phi)} vs ${exact}`);
});

test('RISE draws and masks: cell-size crops of the upsampled grid, chunks equal the whole', async () => {
  const d = await k().riseDraws(7, 50, 4, 0.5, 28, 30);
  assert.equal(d.grids.shape, [50, 1, 4, 4]);
  assert.equal(d.shifts.shape, [50, 2]);
  const shifts = labelsOf(d.shifts);
  for (let i = 0; i < 50; i++) {
    assert.ok(shifts[2 * i] >= 0 && shifts[2 * i] < 7);       // ceil(28 / 4)
    assert.ok(shifts[2 * i + 1] >= 0 && shifts[2 * i + 1] < 8);  // ceil(30 / 4)
  }
  const whole = f32(await k().riseMasks(d.grids, d.shifts, 0, 50, 28, 30));
  const part = f32(await k().riseMasks(d.grids, d.shifts, 20, 35, 28, 30));
  assert.ok(bitEqual(part, whole.subarray(20 * 840, 35 * 840)));
  assert.ok(whole.every((v) => v >= 0 && v <= 1));
  // p = 1: every cell on, every mask (to rounding) all ones
  const ones = await k().riseDraws(7, 3, 4, 1, 28, 30);
  assert.ok(f32(await k().riseMasks(ones.grids, ones.shifts, 0, 3, 28, 30)).every((v) => Math.abs(v - 1) < 1e-6));
});

test('accumulateMasks: float64 sum of scores times masks', async () => {
  const masks = tensor(Float32Array.of(1, 0, 0.5, 1, 0, 1, 1, 0.25), [2, 1, 2, 2]);
  const a = await k().accumulateMasks(null, tensor(Float32Array.of(2, 4), [2]), masks);
  assert.is(a.dtype, 'float64');
  assert.equal(Array.from(a.toTypedArray() as Float64Array), [2, 4, 5, 3]);
  const b = await k().accumulateMasks(a, tensor(Float32Array.of(1, 0), [2]), masks);
  assert.equal(Array.from(b.toTypedArray() as Float64Array), [3, 4, 5.5, 4]);
});

test('kernel argument errors are coded as the caller\'s', async () => {
  const err = await k().occlusionMasks(4, 4, 5, 5, 1, 1).catch((e) => e);
  assert.is(err.code, 'E_FASS_USER');
  assert.match(err.message, /window 5x5 must fit the image \(4x4\)/);
  const grid = await k().gridSegments(4, 4, 9).catch((e) => e);
  assert.match(grid.message, /1 <= K <= min\(H, W\) = 4/);
});

test.run();
