/**
 * torchvision's model families (small versions of its own classes, scripts/make-zoo.py), scripted
 * and traced: the default Grad-CAM layer is the one pytorch-grad-cam documents for the family, and
 * the maps at it and at an explicit layer match eager PyTorch's with hooks (token and channels-last
 * activations reshaped as pytorch-grad-cam does) within 1e-4 relative L2. The ONNX exports run the
 * forward-only methods. Bad configurations fail in the probe, with messages that say why.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../../src/errors.js';
import { gradcam } from '../../src/methods/gradcam.js';
import { occlusion } from '../../src/methods/occlusion.js';
import { prepareMethods } from '../../src/methods/prepare.js';
import { configure } from '../../src/methods/registry.js';
import { OnnxModel, TorchModel } from '../../src/models/index.js';
import type { AttributionInput } from '../../src/methods/types.js';
import { writeNpy } from '../../src/util/npy.js';
import { cli, fixture, readF32, tempDir, testDevice, throwsWith } from '../helpers.js';

interface Ref { size: number; logits: number[]; targets: number[]; layers: Record<string, { role: string; cam: number[]; shape: number[] }> }
const refs: Record<string, Ref> = JSON.parse(readFileSync(fixture('zoo', 'zoo.json'), 'utf8'));

function input(r: Ref): AttributionInput {
  return { data: readF32(fixture('zoo', `input${r.size}.bin`)), shape: [2, 3, r.size, r.size], targets: Int32Array.from(r.targets), seeds: new Uint32Array(2) };
}

function relL2(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  let d = 0, n = 0;
  for (let i = 0; i < ref.length; i++) { d += (a[i] - ref[i]) ** 2; n += ref[i] ** 2; }
  return Math.sqrt(d / n);
}

const load = (name: string, how: string) => TorchModel.load(fixture('zoo', `${name}.${how}.pt`), { threads: 1, device: testDevice(), onnxForward: false });

for (const [name, r] of Object.entries(refs)) {
  for (const how of name === 'vit' ? ['script'] : ['script', 'trace']) {
    test(`${name} (${how}): default layer, logits and Grad-CAM maps match eager PyTorch`, async () => {
      const m = await load(name, how);
      const x = input(r);
      const logits = await m.predict(x.data, x.shape);
      assert.ok(relL2(logits.data, r.logits) < 1e-5, `logits rel L2 ${relL2(logits.data, r.logits)}`);
      const [def] = Object.entries(r.layers).filter(([, l]) => l.role === 'default').map(([k]) => k);
      const prepared = await prepareMethods(m, [configure({ name: 'gradcam' })], [3, r.size, r.size]);
      assert.is(prepared.layers[0].layer, def, 'the default layer');
      for (const [layer, ref] of Object.entries(r.layers)) {
        const out = await gradcam.run(m, x, gradcam.params.parse({ layer, relu: false, upsample: 'none' }), {});
        assert.equal(out.shape, ref.shape, `${layer} shape`);
        const e = relL2(out.maps, ref.cam);
        assert.ok(e < 1e-4, `${layer}: rel L2 ${e}`);
      }
      m.dispose();
    });
  }
}

test('each family\'s ONNX export runs the forward-only methods, with the TorchScript model\'s maps', async () => {
  for (const name of Object.keys(refs)) {
    const r = refs[name];
    const onnx = await OnnxModel.load(fixture('zoo', `${name}.onnx`), { threads: 1 });
    const torch = await load(name, 'script');
    const x = input(r);
    const p = occlusion.params.parse({ window: 8, stride: 8 });
    const a = await occlusion.run(onnx, x, p, {}), b = await occlusion.run(torch, x, p, {});
    assert.ok(relL2(a.maps, b.maps) < 1e-4, `${name}: occlusion rel L2 ${relL2(a.maps, b.maps)}`);
    await throwsWith(prepareMethods(onnx, [configure({ name: 'gradcam' })], [3, r.size, r.size]), UserError, 'needs gradients', 'forward-only');
    onnx.dispose(); torch.dispose();
  }
});

const probe = (name: string, params: Record<string, unknown>, size = 64) =>
  load(name, 'script').then((m) => prepareMethods(m, [configure({ name: 'gradcam', ...params })], [3, size, size]));

test('bad layers fail in the probe, saying why', async () => {
  await throwsWith(probe('resnet', { layer: 'layer9' }), UserError, "unknown layer 'layer9'", 'layer4.0');
  await throwsWith(probe('resnet', { layer: 'fc' }), UserError, "layer 'fc' gives activations of shape [1, 10]", 'no spatial grid');
  await throwsWith(probe('swin', { layer: 'features.1.0', reshape: 'tokens' }, 32), UserError, 'not a token sequence', 'reshape accepts auto, nchw');
  // 20 tokens: a 4 x 4 grid behind 4 register tokens, or not; auto does not guess, tokens says so.
  await throwsWith(probe('registers', { layer: 'norm' }, 32), UserError, '20 tokens is a 4x4 grid only with 4 prefix tokens', 'reshape=tokens');
  const ok = await probe('registers', { layer: 'norm', reshape: 'tokens' }, 32);
  assert.equal(ok.layers[0], { method: 'gradcam', layer: 'norm', shape: [1, 20, 8], layout: 'tokens' });
});

test('a model whose output is not (N, classes) fails in the probe', async () => {
  const m = await TorchModel.load(fixture('zoo', 'segmenter.script.pt'), { threads: 1 });
  await throwsWith(prepareMethods(m, [configure({ name: 'saliency' })], [3, 16, 16]), UserError, 'forward returned shape [1, 2, 16, 16]', '[N, classes]');
});

test('the CLI on a scripted ResNet and an npy file: the default layer is printed and recorded; a bad one ends it before any work', async () => {
  const dir = tempDir('zoo-cli');
  const images = join(dir, 'images.npy');
  writeNpy(images, { dtype: 'float32', data: readF32(fixture('zoo', 'input64.bin')), shape: [2, 3, 64, 64] });
  const model = fixture('zoo', 'resnet.script.pt');
  const ok = await cli(['attribute', '--model', model, '--data', `npy:${images}`, '--methods', 'saliency,gradcam', '--out', join(dir, 'maps'), '--threads', '1']);
  assert.is(ok.code, 0, ok.stderr);
  assert.ok(ok.stdout.includes('gradcam: layer layer4.0 (activation [1, 64, 2, 2], read as nchw)'), ok.stdout);
  assert.is(JSON.parse(readFileSync(join(dir, 'maps', 'cost.json'), 'utf8')).params.gradcam.layer, 'layer4.0');
  const cfg = join(dir, 'bad.yaml');
  writeFileSync(cfg, `model: ${model}\ndata: npy:${images}\nout: ${join(dir, 'bad')}\nmethods:\n  - {name: saliency}\n  - {name: gradcam, layer: fc}\n`);
  const bad = await cli(['attribute', '--config', cfg]);
  assert.is(bad.code, 2, bad.stderr);
  assert.ok(bad.stderr.includes("method gradcam: layer 'fc' gives activations of shape [1, 10]"), bad.stderr);
  assert.not.ok(existsSync(join(dir, 'bad', 'cost.json')), 'no work was done');
});

test.run();
