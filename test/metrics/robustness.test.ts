/**
 * Robustness metrics in closed form on the linear fixture f(x) = W x + b: saliency's map does not
 * move (sensitivity, Lipschitz, RIS, ROS all 0); input x gradient and IG with a black baseline give
 * g(x) = W_t * x, so with fixed noise u every metric has a formula the test computes; neighbours
 * whose prediction changes are excluded and counted; draws do not depend on the batch.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { configure } from '../../src/methods/registry.js';
import { robustnessMetric, type RobustnessName } from '../../src/metrics/robustness.js';
import { native, tensor } from '../../src/native.js';
import { prng } from '../../src/util/prng.js';
import { linear } from '../methods/fixtures.js';

const N = 4, n = 5, D = 64;
const ids = Array.from({ length: N }, (_, i) => `lin/${i}`);
const input = () => { const a = linear.input(N); return { data: a.data, shape: a.shape, ids, targets: a.targets }; };

/** Uniform noise in (-r, r) from a fixed stream, (N, n, 1, 8, 8). */
function fixedNoise(r: number, seed = 1): Float32Array {
  const next = prng(seed);
  return Float32Array.from({ length: N * n * D }, () => (2 * next() - 1) * r);
}

const norm = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));
const guard = (v: number) => (v === 0 ? 1e-6 : v);

/** The formulas for g(x) = W_t * x on the linear model, per sample: the per-neighbour values. */
function expected(metric: RobustnessName, noise: Float32Array): number[][] {
  const { data, targets } = linear.input(N), W = linear.W(), b = linear.b();
  return Array.from({ length: N }, (_, i) => Array.from({ length: n }, (_, j) => {
    const x = Array.from(data.subarray(i * D, (i + 1) * D)), u = Array.from(noise.subarray((i * n + j) * D, (i * n + j + 1) * D));
    const w = Array.from(W.subarray(targets[i] * D, (targets[i] + 1) * D));
    const g = x.map((v, k) => w[k] * v), dg = u.map((v, k) => w[k] * v);
    if (metric === 'max_sensitivity' || metric === 'avg_sensitivity') return norm(dg) / norm(g);
    if (metric === 'local_lipschitz') return norm(dg) / norm(u);
    const num = norm(dg.map((v, k) => v / guard(g[k])));
    if (metric === 'ris') return num / Math.max(norm(u.map((v, k) => v / guard(x[k]))), 1e-6);
    const f = [0, 1, 2].map((c) => b[c] + x.reduce((s, v, k) => s + W[c * D + k] * v, 0));
    const df = [0, 1, 2].map((c) => u.reduce((s, v, k) => s + W[c * D + k] * v, 0));
    return num / Math.max(norm(df.map((v, c) => v / guard(f[c]))), 1e-6);
  }));
}

const close = (a: number, b: number, rel = 1e-4) => Math.abs(a - b) <= rel * Math.max(Math.abs(b), 1e-9);

test('saliency of a linear model: sensitivity, Lipschitz, RIS and ROS are 0 (seeded draws)', async () => {
  const m = await linear.model();
  for (const abs of [true, false]) {
    const sal = configure({ name: 'saliency', abs });
    for (const name of ['max_sensitivity', 'avg_sensitivity', 'local_lipschitz', 'ris', 'ros'] as const) {
      const r = await robustnessMetric(name, { samples: n }).score(m, input(), sal, { seed: 3 });
      assert.is(r.length, N);
      for (const s of r) {
        assert.is(s.status, 'kept', `${name}: ${s.reason}`);
        assert.is(s.used + s.excluded, n);
        assert.ok(s.used > 0);
        assert.is(s.score, 0, `${name} abs=${abs}`);
      }
    }
  }
});

test('input x gradient and IG (black baseline) on a linear model: every metric equals its formula for fixed noise', async () => {
  const m = await linear.model();
  const noise = fixedNoise(0.02);
  const methods = [configure({ name: 'input_x_gradient' }), configure({ name: 'integrated_gradients', n_steps: 8, baseline: 'black' })];
  for (const method of methods) {
    for (const name of ['max_sensitivity', 'avg_sensitivity', 'local_lipschitz', 'ris', 'ros'] as const) {
      const r = await robustnessMetric(name, { samples: n }).score(m, input(), method, { seed: 0, noise });
      const want = expected(name, noise);
      r.forEach((s, i) => {
        assert.is(s.used, n, 'no prediction changes at r = 0.02');
        const v = want[i];
        const w = name === 'avg_sensitivity' ? v.reduce((a, b) => a + b, 0) / n : Math.max(...v);
        assert.ok(close(s.score, w), `${method.method.name} ${name} sample ${i}: ${s.score} vs ${w}`);
        assert.ok(s.score > 0);
      });
    }
  }
});

test('a neighbour that changes the prediction is excluded and counted; all changed: excluded with a reason', async () => {
  const m = await linear.model();
  const { targets } = linear.input(N), W = linear.W();
  const noise = fixedNoise(0.02);
  // Sample 0, draw 2: a big step towards another class. Sample 1: every draw does so.
  const push = (i: number, j: number) => {
    const other = (targets[i] + 1) % 3;
    for (let k = 0; k < D; k++) noise[(i * n + j) * D + k] = 50 * (W[other * D + k] - W[targets[i] * D + k]);
  };
  push(0, 2);
  for (let j = 0; j < n; j++) push(1, j);
  const r = await robustnessMetric('max_sensitivity', { samples: n }).score(m, input(), configure({ name: 'input_x_gradient' }), { seed: 0, noise });
  const want = expected('max_sensitivity', noise);
  assert.is(r[0].used, n - 1);
  assert.is(r[0].excluded, 1);
  assert.ok(close(r[0].score, Math.max(...want[0].filter((_, j) => j !== 2))), 'the max over the kept neighbours only');
  assert.ok(r[0].score < want[0][2], 'the excluded neighbour would have been the max');
  assert.is(r[1].status, 'excluded');
  assert.is(r[1].used, 0);
  assert.ok(Number.isNaN(r[1].score));
  assert.match(r[1].reason ?? '', /all 5 neighbours changed the prediction/);
  assert.is(r[2].status, 'kept');
});

test('neighbours: uniform within the radius, per-sample draws independent of the batch', async () => {
  const { data } = linear.input(N);
  const seeds = (k: number) => tensor(BigInt64Array.from({ length: k }, (_, i) => BigInt(100 + i)), [k]);
  const all = (await native().metrics.neighbours(tensor(data, [N, 1, 8, 8]), seeds(N), 'uniform', n, 0.02)).x.toTypedArray() as Float32Array;
  let maxDev = 0, sum = 0;
  for (let r = 0; r < N * n; r++) for (let k = 0; k < D; k++) {
    const d = all[r * D + k] - data[Math.floor(r / n) * D + k];
    maxDev = Math.max(maxDev, Math.abs(d)); sum += d;
  }
  assert.ok(maxDev <= 0.02 + 1e-7 && maxDev > 0.015, `max |u| ${maxDev}`);
  assert.ok(Math.abs(sum / (N * n * D)) < 0.002, 'centred');
  const first = (await native().metrics.neighbours(tensor(data.slice(0, D), [1, 1, 8, 8]), seeds(1), 'uniform', n, 0.02)).x.toTypedArray() as Float32Array;
  assert.equal(Array.from(first), Array.from(all.subarray(0, n * D)), 'sample 0 alone draws what it drew in the batch');
  const g = (await native().metrics.neighbours(tensor(data, [N, 1, 8, 8]), seeds(N), 'gaussian', 200, 0.1)).x.toTypedArray() as Float32Array;
  let sq = 0;
  for (let r = 0; r < N * 200; r++) for (let k = 0; k < D; k++) sq += (g[r * D + k] - data[Math.floor(r / 200) * D + k]) ** 2;
  const sd = Math.sqrt(sq / (N * 200 * D));
  assert.ok(Math.abs(sd - 0.1) < 0.003, `gaussian sd ${sd}`);
});

test('consistency is not a neighbourhood metric: robustnessMetric refuses it, naming where it lives', async () => {
  assert.throws(() => robustnessMetric('consistency'), /consistencyScores/);
  assert.throws(() => robustnessMetric('nope' as RobustnessName), /expected one of max_sensitivity/);
});

test.run();
