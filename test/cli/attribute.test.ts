/** fass attribute: files, dataset order, parameters from --config, cost, overlays, refusals. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { readNpy } from '../../src/util/npy.js';
import { assertClose, cli, fixture, hasFashionMnist, readF32, reference, skip, tempDir } from '../helpers.js';

const dir = tempDir('attribute');

test('maps of the 16 reference images match Captum; targets, ids, cost and overlays are written', async () => {
  if (!hasFashionMnist()) return skip('fashion-mnist is not installed (apt-get install dataset-fashion-mnist)');
  const out = join(dir, 'ref');
  const cfg = join(dir, 'ref.yaml');
  writeFileSync(cfg, [
    `model: ${reference.torchscript()}`, 'data: fashion-mnist:test', 'n: 16', `out: ${out}`, 'batch-size: 5', 'methods:',
    '  - {name: saliency, abs: false}', '  - {name: gradcam, layer: conv2, upsample: nearest}',
    '  - {name: integrated_gradients, n_steps: 32, method: riemann_trapezoid, baseline: black}',
  ].join('\n'));
  const r = await cli(['attribute', '--config', cfg, '--json', '--threads', '2']);
  assert.is(r.code, 0, r.stderr);
  const sal = readNpy(join(out, 'saliency.npy'));
  assert.equal(sal.shape, [16, 1, 28, 28]);
  assertClose(sal.data as Float32Array, readF32(fixture('reference', 'saliency_signed.bin')), 1e-5, 'saliency');
  assertClose(readNpy(join(out, 'gradcam.npy')).data as Float32Array, readF32(fixture('reference', 'gradcam_relu_up.bin')), 1e-5, 'gradcam');
  assertClose(readNpy(join(out, 'integrated_gradients.npy')).data as Float32Array, readF32(fixture('reference', 'ig_riemann_trapezoid.bin')), 1e-5, 'ig');
  assert.equal(Array.from(readNpy(join(out, 'targets.npy')).data as BigInt64Array, Number), reference.pred());
  const ids = JSON.parse(readFileSync(join(out, 'ids.json'), 'utf8'));
  assert.is(ids[3], 'fashion-mnist:test/00003');
  const cost = JSON.parse(readFileSync(join(out, 'cost.json'), 'utf8'));
  assert.is(cost.methods.integrated_gradients.backward_passes_per_image, 32);
  assert.is(cost.methods.saliency.forward_passes, 16);
  assert.ok(cost.forward_backward_seconds_per_image > 0);
  const png = await sharp(join(out, 'overlays.png')).metadata();
  assert.is(png.format, 'png');
  assert.ok(png.height! > png.width! / 4 * 2, 'eight rows of tiles');
  assert.is(JSON.parse(r.stdout).explained, 16);
});

test('--methods with defaults on an ONNX model: forward-only methods run, gradient ones are refused', async () => {
  const out = join(dir, 'onnx');
  const ok = await cli(['attribute', '--model', reference.onnx(), '--data', 'synthetic:6', '--methods', 'occlusion,rise', '--out', out, '--json']);
  assert.is(ok.code, 0, ok.stderr);
  assert.equal(readNpy(join(out, 'occlusion.npy')).shape, [6, 1, 28, 28]);
  assert.equal(readNpy(join(out, 'rise.npy')).shape, [6, 1, 28, 28]);
  const no = await cli(['attribute', '--model', reference.onnx(), '--data', 'synthetic:6', '--methods', 'saliency', '--out', join(dir, 'no')]);
  assert.is(no.code, 2);
  assert.match(no.stderr, /needs gradients/);
});

test('unknown methods and bad parameters exit 2 naming them', async () => {
  const a = await cli(['attribute', '--model', reference.torchscript(), '--data', 'synthetic:4', '--methods', 'saliency,deeplift', '--out', join(dir, 'x')]);
  assert.is(a.code, 2);
  assert.match(a.stderr, /unknown method 'deeplift'/);
  const cfg = join(dir, 'bad.yaml');
  writeFileSync(cfg, `model: ${reference.torchscript()}\ndata: synthetic:4\nout: ${join(dir, 'y')}\nmethods:\n  - {name: integrated_gradients, n_steps: 1}\n`);
  const b = await cli(['attribute', '--config', cfg]);
  assert.is(b.code, 2);
  assert.match(b.stderr, /integrated_gradients/);
  assert.match(b.stderr, /n_steps 1/);
});

test.run();
