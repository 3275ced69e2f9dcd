/** smoothgrad, smoothgrad_sq, vargrad: closed forms on a linear model; the noise tensors' formula on the CNN. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { smoothgrad, smoothgradSq, vargrad } from '../../src/methods/smoothgrad.js';
import { saliency } from '../../src/methods/saliency.js';
import { runGradient } from '../../src/methods/gradient.js';
import { tensor } from '../../src/native.js';
import { assertClose } from '../helpers.js';
import { linear, referenceInput, referenceModel, run } from './fixtures.js';

test('linear model: smoothgrad = W[t], smoothgrad_sq = W[t]^2, vargrad = 0, whatever the noise', async () => {
  const m = await linear.model(), input = linear.input();
  const w = linear.weightMaps(input);
  assertClose((await run(smoothgrad, m, input, { n: 8, s: 0.3 })).maps, w, 1e-5, 'smoothgrad');
  assertClose((await run(smoothgradSq, m, input, { n: 8, s: 0.3 })).maps, w.map((v) => v * v), 1e-5, 'smoothgrad_sq');
  const v = (await run(vargrad, m, input, { n: 8, s: 0.3 })).maps;
  assert.ok(v.every((x) => Math.abs(x) < 1e-5), 'vargrad of a linear model is 0');
});

test('given noise tensors, smoothgrad is the mean of saliency at x + e (NoiseTunnel over Saliency)', async () => {
  const m = await referenceModel(), input = referenceInput();
  const n = 3, per = 784;
  const noise = Float32Array.from({ length: 16 * n * per }, (_, i) => Math.sin(i * 12.9898) * 0.05);
  const r = await runGradient('smoothgrad', 'smoothgrad', m, input, { n, variant: 'smoothgrad', abs: false, noise: tensor(noise, [16, n, 1, 28, 28]) }, {});
  const expected = new Float32Array(16 * per);
  for (let k = 0; k < n; k++) {
    const noisy = input.data.map((x, i) => x + noise[(Math.floor(i / per) * n + k) * per + (i % per)]);
    const g = await run(saliency, m, { ...input, data: noisy }, { abs: false });
    g.maps.forEach((v, i) => (expected[i] += v / n));
  }
  assertClose(r.maps, expected, 1e-5, 'smoothgrad vs mean of saliency');
  assert.is(r.cost.backwardPasses, 16 * n);
});

test('noise scale is s (max x - min x) per sample: s = 0 gives plain saliency', async () => {
  const m = await referenceModel(), input = referenceInput();
  const a = await run(smoothgrad, m, input, { n: 2, s: 0 });
  const b = await run(saliency, m, input, { abs: false });
  assertClose(a.maps, b.maps, 1e-6, 's = 0');
});

test.run();
