/** occlusion against Captum's Occlusion (4x4 window, stride 2, zero baseline), TorchScript and ONNX. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../../src/errors.js';
import { loadModel, type Model } from '../../src/models/index.js';
import { occlusion, occlusionGeometry } from '../../src/methods/occlusion.js';
import type { AttributionInput } from '../../src/methods/types.js';
import { fixture, readF32, reference, throwsWith, testDevice } from '../helpers.js';
import { LinearModel, prng, randomArray } from './blackbox/linear-model.js';

function referenceInput(): AttributionInput {
  return {
    data: reference.images(), shape: [16, 1, 28, 28],
    targets: Int32Array.from(reference.pred()), seeds: new Uint32Array(16),
  };
}

/**
 * 1e-5 relative to the map (max|diff| / max|ref|), and per element 1e-5 relative plus an absolute
 * floor of 1e-5: the reference CNN's logits themselves agree with the Python build's only to ~4e-6
 * (Debian's LibTorch and onnxruntime against pip's PyTorch), and each map value is a difference of
 * two logits, so a smaller floor fails on near-zero values even with Captum's own batching.
 */
function assertMatchesCaptum(got: Float32Array, ref: Float32Array, label: string): void {
  assert.is(got.length, ref.length);
  let maxRef = 0, maxDiff = 0, worst = -1;
  for (let i = 0; i < ref.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
    const d = Math.abs(got[i] - ref[i]);
    if (d > maxDiff) maxDiff = d;
    if (d > 1e-5 * Math.abs(ref[i]) + 1e-5 && worst < 0) worst = i;
  }
  assert.ok(maxDiff / maxRef <= 1e-5, `${label}: max|diff| / max|ref| = ${maxDiff / maxRef}`);
  assert.ok(worst < 0, `${label}: element ${worst}: ${got[worst]} vs Captum ${ref[worst]}`);
}

async function againstCaptum(model: Model, label: string): Promise<void> {
  const ref = readF32(fixture('reference', 'occlusion_4x4_s2.bin'));
  const input = referenceInput();
  const r = await occlusion.run(model, input, occlusion.params.parse({ window: 4, stride: 2, baseline: 'black' }), {});
  assert.equal(r.shape, [16, 1, 28, 28]);
  assertMatchesCaptum(r.maps, ref, label);
  // 13 x 13 window positions plus the clean image, per sample
  assert.is(r.cost.forwardPasses, 16 * (13 * 13 + 1));
  assert.is(r.cost.backwardPasses, 0);
}

test('TorchScript: equals Captum Occlusion to 1e-5', async () => {
  await againstCaptum(await loadModel(reference.torchscript(), { threads: 2, device: testDevice() }), 'torchscript');
});

test('ONNX: equals Captum Occlusion to 1e-5', async () => {
  await againstCaptum(await loadModel(reference.onnx(), { threads: 2 }), 'onnx');
});

test('defaults on 28x28: window 4 (1/7), stride 2, black baseline: the Captum setting', async () => {
  const p = occlusion.params.parse({});
  assert.equal(occlusionGeometry(p, 28, 28), { window: [4, 4], stride: [2, 2] });
  assert.equal(occlusionGeometry(p, 224, 160), { window: [32, 23], stride: [16, 11] });
  assert.equal(occlusionGeometry(p, 3, 3), { window: [1, 1], stride: [1, 1] });
  assert.is(p.baseline, 'black');
});

test('linear model: closed form, and windows clipped at the border', async () => {
  // f(x) - f(x with window set to b) = w . (x - b) over the window; 5x5 image, 2x2 window, stride 2:
  // positions 0, 2, 4 per axis, the last clipped to one pixel (Captum's ceil rule).
  const next = prng(7);
  const [c, h, w] = [2, 5, 5];
  const wts = randomArray(c * h * w, next, -1, 1);
  const model = new LinearModel([Float64Array.from(wts)], [0.5], [c, h, w]);
  const x = randomArray(c * h * w, next);
  const mean = Float32Array.of(0.25, 0.75);
  const r = await occlusion.run(model, { data: x, shape: [1, c, h, w], targets: Int32Array.of(0), seeds: new Uint32Array(1) },
    occlusion.params.parse({ window: 2, stride: 2, baseline: 'mean' }), { meanColour: mean });
  const windowDrop = (y0: number, x0: number) => {
    let s = 0;
    for (let k = 0; k < c; k++) for (let y = y0; y < Math.min(h, y0 + 2); y++) for (let xx = x0; xx < Math.min(w, x0 + 2); xx++) {
      const j = k * h * w + y * w + xx;
      s += wts[j] * (x[j] - mean[k]);
    }
    return s;
  };
  for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) {
    // stride 2 = window 2: each pixel is covered by exactly one window, the one at its even corner
    const expected = windowDrop(y - (y % 2), xx - (xx % 2));
    for (let k = 0; k < c; k++) {
      const got = r.maps[k * h * w + y * w + xx];
      assert.ok(Math.abs(got - expected) < 1e-5, `pixel (${k},${y},${xx}): ${got} vs ${expected}`);
    }
  }
  assert.is(r.cost.forwardPasses, 1 + 9);
});

test('bad parameters are UserErrors naming the value and what is accepted', async () => {
  const model = new LinearModel([new Float64Array(16)], [0], [1, 4, 4]);
  const input: AttributionInput = { data: new Float32Array(16), shape: [1, 1, 4, 4], targets: Int32Array.of(0), seeds: new Uint32Array(1) };
  await throwsWith(occlusion.run(model, input, occlusion.params.parse({ window: 5 }), {}), UserError, 'window 5x5', 'at most 4x4');
  await throwsWith(occlusion.run(model, input, occlusion.params.parse({ window: 2, stride: 3 }), {}), UserError, 'stride 3x3', 'at most the window');
  await throwsWith(occlusion.run(model, input, occlusion.params.parse({ baseline: 'mean' }), {}), UserError, "baseline 'mean'", 'mean colour');
  await throwsWith(occlusion.run(model, { ...input, targets: Int32Array.of(3) }, occlusion.params.parse({}), {}), UserError, 'target class 3', '1 classes');
  assert.not.ok(occlusion.params.safeParse({ baseline: 'blur' }).success);
  assert.not.ok(occlusion.params.safeParse({ window: 0 }).success);
  assert.not.ok(occlusion.params.safeParse({ windw: 3 }).success);
});

test.run();
