/** OnnxModel (onnxruntime-node) against the reference logits. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OnnxModel, argmax, loadModel } from '../../src/models/index.js';
import { maxDiff, reference } from '../helpers.js';

test('ONNX reference CNN: logits of the 16 reference images within 1e-5', async () => {
  const m = await OnnxModel.load(reference.onnx(), { threads: 2 });
  assert.equal(m.inputShape, [1, 28, 28]);
  const out = await m.predict(reference.images(), [16, 1, 28, 28]);
  const d = maxDiff(out.data, reference.logits());
  assert.ok(d < 1e-5, `max |diff| ${d}`);
  assert.equal(Array.from(argmax(out)), reference.pred());
  m.dispose();
});

test('loadModel picks the adapter by extension', async () => {
  assert.is((await loadModel(reference.onnx())).kind, 'onnx');
  assert.is((await loadModel(reference.torchscript())).kind, 'torchscript');
});

test('normalisation in the adapter: mean 0, std 1 changes nothing; mean 0.5, std 2 changes the logits', async () => {
  const x = reference.images();
  const plain = await (await OnnxModel.load(reference.onnx())).predict(x, [16, 1, 28, 28]);
  const same = await (await OnnxModel.load(reference.onnx(), { mean: [0], std: [1] })).predict(x, [16, 1, 28, 28]);
  assert.ok(maxDiff(plain.data, same.data) === 0);
  const norm = await (await OnnxModel.load(reference.onnx(), { mean: [0.5], std: [2] })).predict(x, [16, 1, 28, 28]);
  const manual = await (await OnnxModel.load(reference.onnx())).predict(x.map((v) => (v - 0.5) / 2), [16, 1, 28, 28]);
  assert.ok(maxDiff(norm.data, manual.data) < 1e-6);
  assert.ok(maxDiff(norm.data, plain.data) > 1e-3);
});

test.run();
