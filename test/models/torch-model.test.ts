/** TorchModel against the reference logits, and the Tensor handle it runs on. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TorchModel } from '../../src/models/index.js';
import { tensor } from '../../src/native.js';
import { maxDiff, reference, testDevice } from '../helpers.js';

test('Tensor: round trip, dtype, shape, device, dispose', () => {
  const data = Float32Array.from({ length: 24 }, (_, i) => i * 0.5 - 3);
  const t = tensor(data, [2, 3, 4]);
  assert.equal(t.shape, [2, 3, 4]);
  assert.is(t.dtype, 'float32');
  assert.is(t.device, 'cpu');
  assert.equal(Array.from(t.toTypedArray() as Float32Array), Array.from(data));
  const l = tensor(new BigInt64Array([1n, -2n, 3n]), [3]);
  assert.is(l.dtype, 'int64');
  assert.equal(Array.from(l.toTypedArray() as BigInt64Array), [1n, -2n, 3n]);
  t.dispose();
  assert.ok(t.disposed);
  assert.throws(() => t.toTypedArray(), /disposed/);
  assert.throws(() => tensor(new Float32Array(5), [2, 3]), /holds 6 elements, the data has 5/);
});

test('reference CNN: logits of the 16 reference images within 1e-5', async () => {
  const m = await TorchModel.load(reference.torchscript(), { threads: 2, device: testDevice() });
  const out = await m.predict(reference.images(), [16, 1, 28, 28]);
  assert.is(out.n, 16);
  assert.is(out.classes, 10);
  const d = maxDiff(out.data, reference.logits());
  assert.ok(d < 1e-5, `max |diff| ${d}`);
});

test('predictions do not depend on the batch split', async () => {
  const m = await TorchModel.load(reference.torchscript(), { threads: 1, device: testDevice() });
  const x = reference.images();
  const whole = await m.predict(x, [16, 1, 28, 28]);
  const first = await m.predict(x.subarray(0, 5 * 784), [5, 1, 28, 28]);
  const rest = await m.predict(x.subarray(5 * 784), [11, 1, 28, 28]);
  const joined = new Float32Array([...first.data, ...rest.data]);
  assert.ok(maxDiff(joined, whole.data) < 1e-5);
});

test('submodules are listed by dotted path; input shape from the first convolution', async () => {
  const m = await TorchModel.load(reference.torchscript());
  assert.ok(m.submodules().includes('conv2'));
  assert.ok(m.submodules().includes('fc1'));
  assert.equal(m.inputShape, [1, null, null]);
});

test.run();
