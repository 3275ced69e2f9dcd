/**
 * --precision bf16: autocast around the model's forward (and so its backward). Maps and logits stay
 * float32, differ from fp32 (autocast really ran) by a small relative L2 error, and fp32 is what it
 * was before precision existed (bit for bit). Runs on FASS_TEST_DEVICE.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../../src/errors.js';
import { gradcam } from '../../src/methods/gradcam.js';
import { integratedGradients } from '../../src/methods/integrated-gradients.js';
import { saliency } from '../../src/methods/saliency.js';
import { loadModel, TorchModel } from '../../src/models/index.js';
import { cli, reference, testDevice, throwsWith } from '../helpers.js';
import { referenceInput, run } from '../methods/fixtures.js';

/** ||a - b|| / ||b|| */
function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) { num += (a[i] - b[i]) ** 2; den += b[i] ** 2; }
  return Math.sqrt(num / den);
}

const same = (a: Float32Array, b: Float32Array) => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

const load = (precision?: 'fp32' | 'bf16') => TorchModel.load(reference.torchscript(), { threads: 2, device: testDevice(), ...(precision ? { precision } : {}) });

// bf16 keeps 8 significant bits (unit roundoff u = 2^-9 = 2e-3) at the inputs and outputs of each
// convolution and linear layer, accumulating in float32. Forward values (logits, Grad-CAM's
// activation-weighted sums) are sums of mostly like-signed terms: their error stays a few u,
// about 1e-2 (measured on the CPU: Grad-CAM 6.5e-3). Input gradients are sums with heavy
// cancellation (positive and negative paths through every ReLU), which multiplies the rounding
// error by the ratio sum|terms| / |sum|, and a rounding that flips a ReLU or max-pool decision moves
// whole gradient paths: measured on the CPU, 1.0e-1 for saliency and 7.5e-2 for IG (16 steps,
// whose average over the path smooths some of it). The bounds leave 2x room for other kernels
// (cuDNN's bf16 convolutions) and stay well under what a wrong map gives: a map of another sample
// or of noise is at >= 1 (sqrt(2) for uncorrelated maps of equal norm).
const BOUND = { forward: 5e-2, gradient: 2e-1 };

const cases = [
  { name: 'saliency', method: saliency, params: { abs: false }, bound: BOUND.gradient },
  { name: 'integrated_gradients', method: integratedGradients, params: { n_steps: 16 }, bound: BOUND.gradient },
  { name: 'gradcam', method: gradcam, params: { relu: false }, bound: BOUND.forward },
] as const;

for (const c of cases) {
  test(`${c.name}: bf16 maps are float32, not identical to fp32, relative L2 error < ${c.bound}`, async () => {
    const fp32 = await run(c.method as any, await load(), referenceInput(), c.params);
    const explicit = await run(c.method as any, await load('fp32'), referenceInput(), c.params);
    assert.ok(same(fp32.maps, explicit.maps), 'precision fp32 changed the maps');
    const bf16 = await run(c.method as any, await load('bf16'), referenceInput(), c.params);
    assert.instance(bf16.maps, Float32Array);
    assert.equal(bf16.shape, fp32.shape);
    assert.not.ok(same(bf16.maps, fp32.maps), 'bf16 maps are bit-identical to fp32: autocast did not run');
    const e = relL2(bf16.maps, fp32.maps);
    process.stdout.write(`${c.name} on ${testDevice()}: bf16 vs fp32 relative L2 ${e.toExponential(2)}\n`);
    assert.ok(e < c.bound, `relative L2 error ${e}`);
  });
}

test('bf16 logits are float32, close to fp32, same top-1 on the reference images', async () => {
  const x = reference.images();
  const a = await (await load()).predict(x, [16, 1, 28, 28]);
  const m = await load('bf16');
  assert.is(m.precision, 'bf16');
  const b = await m.predict(x, [16, 1, 28, 28]);
  assert.instance(b.data, Float32Array);
  const e = relL2(b.data, a.data);
  process.stdout.write(`logits on ${testDevice()}: bf16 vs fp32 relative L2 ${e.toExponential(2)}\n`);
  assert.ok(e < BOUND.forward, `logits relative L2 ${e}`);
  const top = (l: typeof a, i: number) => { const r = Array.from(l.data.subarray(i * 10, i * 10 + 10)); return r.indexOf(Math.max(...r)); };
  let agree = 0;
  for (let i = 0; i < 16; i++) agree += top(a, i) === top(b, i) ? 1 : 0;
  assert.ok(agree >= 15, `top-1 agrees on ${agree}/16`);
});

test('bad precision values are refused with the accepted ones; ONNX takes fp32 only', async () => {
  await throwsWith(TorchModel.load(reference.torchscript(), { precision: 'fp16' as any }), UserError, "'fp16'", 'fp32 or bf16');
  await throwsWith(loadModel(reference.onnx(), { precision: 'bf16' }), UserError, 'bf16', 'TorchScript', '--precision fp32');
  const r = await cli(['evaluate', '--model', reference.torchscript(), '--data', 'synthetic:4:1x28x28', '--precision', 'fp16']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--precision "fp16": must be fp32 or bf16/);
});

test('evaluate --precision bf16 runs and says so', async () => {
  const r = await cli(['evaluate', '--model', reference.torchscript(), '--data', 'synthetic:8:1x28x28', '--precision', 'bf16', '--device', testDevice(), '--json']);
  assert.is(r.code, 0, r.stderr);
  assert.is(JSON.parse(r.stdout).precision, 'bf16');
});

test.run();
