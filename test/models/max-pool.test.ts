/**
 * The engine's 2 x 2 max pool (native/max_pool.h): TorchScript models have their max_pool2d calls
 * rewritten to it, and gradients through it equal PyTorch's own kernel's, ties included.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { saliency } from '../../src/methods/saliency.js';
import { TorchModel } from '../../src/models/index.js';
import { fixture, readF32, reference, testDevice } from '../helpers.js';

const pools = () => TorchModel.load(fixture('models', 'pools.ts.pt'), { threads: 1, device: testDevice() });

test('max_pool2d calls are rewritten: direct, in nn.MaxPool2d and in F.max_pool2d (whose function both share)', async () => {
  const m = await pools();
  // torch.max_pool2d(x, [2, 2]) twice in forward, and the aten call inside F.max_pool2d (3 x 3,
  // stride 1 there: the op hands it back to LibTorch at run time)
  assert.is(m.handle.fastMaxPools, 3);
  // the Python-made reference CNN pools with two nn.MaxPool2d modules: one F.max_pool2d function
  const cnn = await TorchModel.load(reference.torchscript(), { threads: 1, device: testDevice() });
  assert.is(cnn.handle.fastMaxPools, 1, 'one call, inside F.max_pool2d');
});

test('gradients through the pools equal PyTorch\'s on inputs full of ties (first maximum of each window)', async () => {
  const m = await pools();
  const b = readFileSync(fixture('models', 'pools_target.bin'));
  const targets = new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  const data = readF32(fixture('models', 'pools_input.bin'));
  const input = { data, shape: [6, 1, 8, 8] as [number, number, number, number], targets, seeds: Uint32Array.from({ length: 6 }, (_, i) => i) };
  const r = await saliency.run(m, input, saliency.params.parse({ abs: false }), {});
  const want = readF32(fixture('models', 'pools_grad.bin'));
  let nonzero = 0;
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(r.maps[i] - want[i]) <= 1e-6 * Math.max(1, Math.abs(want[i])), `[${i}]: ${r.maps[i]} vs ${want[i]}`);
    nonzero += want[i] !== 0 ? 1 : 0;
  }
  assert.ok(nonzero > 50, `the fixture routes gradient to ${nonzero} inputs`);
});

test('NaN, infinities and ties: the same maxima and the same window positions as PyTorch\'s kernel, in the vector loop and the scalar tail', async () => {
  // A pool alone, its windows the logits: the forward values are PyTorch's bit for bit, and the
  // gradient of one window reaches the input PyTorch picks (the first maximum, the last NaN).
  const m = await TorchModel.load(fixture('models', 'pool_nan.ts.pt'), { threads: 1, device: testDevice() });
  assert.is(m.handle.fastMaxPools, 1);
  const data = readF32(fixture('models', 'pool_nan_input.bin'));
  const shape = [8, 2, 9, 19] as [number, number, number, number];
  const logits = await m.predict(data, shape);
  const want = readF32(fixture('models', 'pool_nan_logits.bin'));
  assert.is(logits.data.length, want.length);
  let nan = 0;
  for (let i = 0; i < want.length; i++) {
    assert.ok(Object.is(logits.data[i], want[i]), `window ${i}: ${logits.data[i]} vs ${want[i]}`);
    nan += Number.isNaN(want[i]) ? 1 : 0;
  }
  assert.ok(nan > 20 && nan < want.length / 2, `the fixture has ${nan} NaN windows`);
  const b = readFileSync(fixture('models', 'pool_nan_target.bin'));
  const targets = new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  const r = await saliency.run(m, { data, shape, targets, seeds: new Uint32Array(8) }, saliency.params.parse({ abs: false }), {});
  const grad = readF32(fixture('models', 'pool_nan_grad.bin'));
  for (let i = 0; i < grad.length; i++) assert.ok(Object.is(r.maps[i], grad[i]) || (r.maps[i] === 0 && grad[i] === 0), `input ${i}: ${r.maps[i]} vs ${grad[i]}`);
  assert.is(grad.filter((v) => v !== 0).length, 8, 'one input a sample gets the gradient');
});

test.run();
