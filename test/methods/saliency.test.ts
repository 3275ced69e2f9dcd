/** saliency and input_x_gradient against Captum, and in closed form on a linear model. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { saliency } from '../../src/methods/saliency.js';
import { inputXGradient } from '../../src/methods/input-x-gradient.js';
import { loadModel } from '../../src/models/index.js';
import { assertClose, fixture, readF32, reference, throwsWith } from '../helpers.js';
import { UserError } from '../../src/errors.js';
import { linear, referenceInput, referenceModel, run } from './fixtures.js';

test('saliency (abs and signed) matches Captum Saliency within 1e-5', async () => {
  const m = await referenceModel();
  const abs = await run(saliency, m, referenceInput(), {});
  assert.equal(abs.shape, [16, 1, 28, 28]);
  assertClose(abs.maps, readF32(fixture('reference', 'saliency_abs.bin')), 1e-5, 'saliency abs');
  const signed = await run(saliency, m, referenceInput(), { abs: false });
  assertClose(signed.maps, readF32(fixture('reference', 'saliency_signed.bin')), 1e-5, 'saliency signed');
  assert.is(signed.cost.forwardPasses, 16);
  assert.is(signed.cost.backwardPasses, 16);
  assert.ok(signed.cost.imagesPerSecond > 0);
});

test('input_x_gradient matches Captum InputXGradient within 1e-5', async () => {
  const r = await run(inputXGradient, await referenceModel(), referenceInput(), {});
  assertClose(r.maps, readF32(fixture('reference', 'input_x_gradient.bin')), 1e-5, 'input x gradient');
});

test('linear model: saliency is W[t] (|W[t]| with abs), input_x_gradient is x * W[t]', async () => {
  const m = await linear.model(), input = linear.input();
  const w = linear.weightMaps(input);
  assertClose((await run(saliency, m, input, { abs: false })).maps, w, 1e-6, 'signed');
  assertClose((await run(saliency, m, input, {})).maps, w.map(Math.abs), 1e-6, 'abs');
  assertClose((await run(inputXGradient, m, input, {})).maps, w.map((v, i) => v * input.data[i]), 1e-6, 'x * w');
});

test('gradient methods refuse ONNX models, naming the forward-only ones', async () => {
  const onnx = await loadModel(reference.onnx());
  await throwsWith(saliency.run(onnx, referenceInput(), { abs: true }, {}), UserError, 'needs gradients', 'occlusion');
});

test.run();
