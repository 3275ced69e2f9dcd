/** gradcam against Captum on the reference CNN, and layer capture in nested scripted/traced models. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gradcam } from '../../src/methods/gradcam.js';
import { TorchModel } from '../../src/models/index.js';
import { UserError } from '../../src/errors.js';
import { assertClose, fixture, readF32, throwsWith, testDevice } from '../helpers.js';
import { referenceInput, referenceModel, run } from './fixtures.js';

for (const relu of [true, false]) {
  const tag = relu ? 'relu' : 'norelu';
  test(`conv2 ${tag}: raw 14x14 and nearest-upsampled maps match Captum within 1e-5`, async () => {
    const m = await referenceModel();
    const raw = await run(gradcam, m, referenceInput(), { layer: 'conv2', relu, upsample: 'none' });
    assert.equal(raw.shape, [16, 1, 14, 14]);
    assertClose(raw.maps, readF32(fixture('reference', `gradcam_${tag}_raw14.bin`)), 1e-5, 'raw');
    const up = await run(gradcam, m, referenceInput(), { layer: 'conv2', relu, upsample: 'nearest' });
    assert.equal(up.shape, [16, 1, 28, 28]);
    assertClose(up.maps, readF32(fixture('reference', `gradcam_${tag}_up.bin`)), 1e-5, 'upsampled');
  });
}

test('bilinear upsampling (the default) keeps the raw map at cell centres and its mean', async () => {
  const m = await referenceModel();
  const raw = await run(gradcam, m, referenceInput(), { layer: 'conv2', upsample: 'none' });
  const up = await run(gradcam, m, referenceInput(), {});
  assert.equal(up.shape, [16, 1, 28, 28]);
  // align_corners=False, scale 2: output (2i+0.5, 2j+0.5) sits between raw cells; the means agree
  // away from the border and the map is a smooth interpolation (max never exceeds the raw max).
  for (let s = 0; s < 16; s++) {
    const r = raw.maps.subarray(s * 196, s * 196 + 196), u = up.maps.subarray(s * 784, s * 784 + 784);
    assert.ok(Math.max(...u) <= Math.max(...r) + 1e-6);
    assert.ok(Math.min(...u) >= Math.min(...r) - 1e-6);
  }
});

test('the default layer is the last convolution (conv2 here)', async () => {
  const m = await referenceModel();
  const d = await run(gradcam, m, referenceInput(), { upsample: 'none' });
  const c2 = await run(gradcam, m, referenceInput(), { layer: 'conv2', upsample: 'none' });
  assert.equal(Array.from(d.maps), Array.from(c2.maps));
});

for (const file of ['nested.ts.pt', 'nested_traced.ts.pt']) {
  test(`nested layer layer4.1.conv2 of a ${file.includes('traced') ? 'traced' : 'scripted'} model matches a hook in eager PyTorch`, async () => {
    const m = await TorchModel.load(fixture('models', file), { threads: 1, device: testDevice() });
    const data = readF32(fixture('models', 'nested_input.bin'));
    const logits = await m.predict(data, [4, 3, 16, 16]);
    const targets = Int32Array.from({ length: 4 }, (_, s) => { const row = Array.from(logits.data.subarray(s * 5, s * 5 + 5)); return row.indexOf(Math.max(...row)); });
    const r = await run(gradcam, m, { data, shape: [4, 3, 16, 16], targets, seeds: new Uint32Array(4) }, { layer: 'layer4.1.conv2', relu: false, upsample: 'none' });
    assert.equal(r.shape, [4, 1, 4, 4]);
    assertClose(r.maps, readF32(fixture('models', 'nested_gradcam.bin')), 1e-5, file);
  });
}

test('an unknown layer is an error listing the available ones', async () => {
  const m = await TorchModel.load(fixture('models', 'nested.ts.pt'));
  const input = { data: readF32(fixture('models', 'nested_input.bin')), shape: [4, 3, 16, 16] as [number, number, number, number], targets: new Int32Array(4), seeds: new Uint32Array(4) };
  await throwsWith(run(gradcam, m, input, { layer: 'layer9.conv' }), UserError, "unknown layer 'layer9.conv'", 'layer4.1.conv2', 'stem');
});

test.run();
