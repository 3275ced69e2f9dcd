/**
 * Deletion and insertion on the linear fixture, against curves the test computes by hand: pixel
 * order by the map (ties by index), 8 steps of H = 8 pixels, softmax of W x + b, trapezoid AUC;
 * insertion starts from a Gaussian blur (kernel 11, sigma 5, scipy's reflect borders).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../../src/errors.js';
import { faithfulnessMetric } from '../../src/metrics/faithfulness.js';
import { linear } from '../methods/fixtures.js';
import { throwsWith } from '../helpers.js';

const N = 3, H = 8, D = 64;

function prob(x: number[], t: number): number {
  const W = linear.W(), b = linear.b();
  const f = [0, 1, 2].map((c) => b[c] + x.reduce((s, v, k) => s + W[c * D + k] * v, 0));
  const m = Math.max(...f), e = f.map((v) => Math.exp(v - m));
  return e[t] / e.reduce((a, v) => a + v, 0);
}

function blur(x: number[]): number[] {
  const r = 5, s = 5;
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * s * s)));
  const ks = k.reduce((a, v) => a + v, 0);
  const refl = (q: number) => { while (q < 0 || q >= H) q = q < 0 ? -q - 1 : 2 * H - q - 1; return q; };
  const rows = x.map((_, p) => { const y = Math.floor(p / H), xx = p % H; return k.reduce((a, w, i) => a + w * x[refl(y + i - r) * H + xx], 0) / ks; });
  return rows.map((_, p) => { const y = Math.floor(p / H), xx = p % H; return k.reduce((a, w, i) => a + w * rows[y * H + refl(xx + i - r)], 0) / ks; });
}

function expectedAuc(kind: 'deletion' | 'insertion', x: number[], map: number[], t: number): { auc: number; curve: number[] } {
  const order = map.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map((p) => p[1]);
  const start = kind === 'insertion' ? blur(x) : x;
  const curve: number[] = [];
  for (let k = 0; k <= D / H; k++) {
    const img = start.slice();
    for (const p of order.slice(0, k * H)) img[p] = kind === 'deletion' ? 0 : x[p];
    curve.push(prob(img, t));
  }
  let auc = 0;
  for (let k = 0; k < curve.length - 1; k++) auc += (curve[k] + curve[k + 1]) / 2 / (D / H);
  return { auc, curve };
}

test('deletion and insertion equal hand-computed curves and AUCs (signed map, and a constant map: index order)', async () => {
  const m = await linear.model();
  const inp = linear.input(N);
  const w = linear.weightMaps(inp);
  const signed = w.map((v, i) => v * inp.data[i]);
  for (const map of [signed, new Float32Array(N * D).fill(1)]) {
    for (const kind of ['deletion', 'insertion'] as const) {
      const r = await faithfulnessMetric(kind).score(m, inp, { maps: map, shape: [N, 1, 8, 8] });
      assert.is(r.steps, 8);
      assert.is(r.forwardPasses, N * 9);
      for (let i = 0; i < N; i++) {
        const e = expectedAuc(kind, Array.from(inp.data.subarray(i * D, (i + 1) * D)), Array.from(map.subarray(i * D, (i + 1) * D)), inp.targets[i]);
        for (let k = 0; k <= 8; k++) assert.ok(Math.abs(r.probs[i * 9 + k] - e.curve[k]) < 1e-5, `${kind} sample ${i} step ${k}: ${r.probs[i * 9 + k]} vs ${e.curve[k]}`);
        assert.ok(Math.abs(r.auc[i] - e.auc) < 1e-5, `${kind} AUC ${r.auc[i]} vs ${e.auc}`);
      }
    }
  }
});

test('deletion by the map beats deletion by its reverse (lower is better), insertion the other way', async () => {
  const m = await linear.model();
  const inp = linear.input(N);
  const w = linear.weightMaps(inp);
  const good = w.map((v, i) => v * inp.data[i]), bad = good.map((v) => -v);
  const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
  const del = faithfulnessMetric('deletion'), ins = faithfulnessMetric('insertion');
  assert.ok(!del.higherIsBetter && ins.higherIsBetter);
  assert.ok(mean((await del.score(m, inp, { maps: good, shape: [N, 1, 8, 8] })).auc) < mean((await del.score(m, inp, { maps: bad, shape: [N, 1, 8, 8] })).auc));
  assert.ok(mean((await ins.score(m, inp, { maps: good, shape: [N, 1, 8, 8] })).auc) > mean((await ins.score(m, inp, { maps: bad, shape: [N, 1, 8, 8] })).auc));
});

test('maps of another size are refused, naming both shapes', async () => {
  const m = await linear.model();
  const inp = linear.input(N);
  await throwsWith(faithfulnessMetric('deletion').score(m, inp, { maps: new Float32Array(N * 16), shape: [N, 1, 4, 4] }), UserError, '(3, 1, 4, 4)', '(3, 1, 8, 8)');
  assert.throws(() => faithfulnessMetric('deletion', { reduce: 'none' as never }));
});

test.run();
