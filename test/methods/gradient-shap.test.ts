/** gradient_shap: the formula on given draws, and convergence to (x - E[x0]) W on a linear model. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gradientShap } from '../../src/methods/gradient-shap.js';
import { runGradient } from '../../src/methods/gradient.js';
import { tensor } from '../../src/native.js';
import { assertClose } from '../helpers.js';
import { linear, run } from './fixtures.js';

const mean = new Float32Array([0.4]);

test('given draws: mean over j of W[t] (x + e_j - x0_j), x0_j from {black, mean}', async () => {
  const m = await linear.model(), input = linear.input(2);
  const w = linear.weightMaps(input);
  const k = 3;
  const which = new BigInt64Array([0n, 1n, 1n, 1n, 0n, 0n]);
  const alphas = new Float32Array([0.1, 0.5, 0.9, 0.3, 0.6, 0.2]);
  const noise = Float32Array.from({ length: 2 * k * 64 }, (_, i) => ((i * 31) % 17) / 170 - 0.05);
  const r = await runGradient('gradient_shap', 'gradient_shap', m, input,
    { n_samples: k, baselines: 'black,mean', baseline_index: tensor(which, [2, k]), alphas: tensor(alphas, [2, k]), noise: tensor(noise, [2, k, 1, 8, 8]) },
    { meanColour: mean });
  const expected = new Float32Array(2 * 64);
  for (let s = 0; s < 2; s++) for (let j = 0; j < k; j++) for (let p = 0; p < 64; p++) {
    const x0 = which[s * k + j] === 0n ? 0 : 0.4;
    expected[s * 64 + p] += (w[s * 64 + p] * (input.data[s * 64 + p] + noise[(s * k + j) * 64 + p] - x0)) / k;
  }
  assertClose(r.maps, expected, 1e-5, 'gradient_shap on given draws');
});

test('linear model: the mean converges to (x - E[x0]) W[t] (fixed seed, 5-sigma bound)', async () => {
  const m = await linear.model(), input = linear.input(3);
  const w = linear.weightMaps(input);
  const n = 4000;
  const r = await run(gradientShap, m, input, { n_samples: n }, { meanColour: mean });
  // E[x0] = 0.5 * 0 + 0.5 * 0.4; the baseline draw is the only randomness (stdev 0):
  // error per pixel = W (0.4) (p_hat - 0.5), sd of p_hat = sqrt(0.25 / n).
  const sd = Math.sqrt(0.25 / n);
  r.maps.forEach((v, i) => {
    const expected = w[i] * (input.data[i] - 0.2);
    assert.ok(Math.abs(v - expected) <= 5 * sd * Math.abs(w[i]) * 0.4 + 1e-6, `pixel ${i}: ${v} vs ${expected}`);
  });
});

test('stochastic: another seed gives another map; the same seed the same', async () => {
  const m = await linear.model(), input = linear.input(2);
  const a = await run(gradientShap, m, input, { n_samples: 4, stdev: 0.1 }, { meanColour: mean });
  const b = await run(gradientShap, m, input, { n_samples: 4, stdev: 0.1 }, { meanColour: mean });
  const c = await run(gradientShap, m, { ...input, seeds: Uint32Array.from([99, 100]) }, { n_samples: 4, stdev: 0.1 }, { meanColour: mean });
  assert.equal(Array.from(a.maps), Array.from(b.maps));
  assert.not.equal(Array.from(a.maps), Array.from(c.maps));
});

test.run();
