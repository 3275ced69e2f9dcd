/** Every bad input named by the foundation issue ends in a clear error, or a counted one. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { InputFileError, UserError } from '../../src/errors.js';
import { openDataset } from '../../src/data/index.js';
import { evaluate, loadModel, TorchModel } from '../../src/models/index.js';
import { reference, tempDir, throwsWith } from '../helpers.js';

const dir = tempDir('bad');

test('missing model file', async () => {
  await throwsWith(loadModel(join(dir, 'nope.pt')), InputFileError, 'nope.pt', 'model file not found', 'TorchScript');
  await throwsWith(loadModel(join(dir, 'nope.onnx')), InputFileError, 'nope.onnx');
});

test('corrupt model files (TorchScript and ONNX)', async () => {
  const pt = join(dir, 'corrupt.pt'), onnx = join(dir, 'corrupt.onnx');
  writeFileSync(pt, 'this is not a zip archive');
  writeFileSync(onnx, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
  await throwsWith(loadModel(pt), UserError, 'corrupt.pt', 'not a loadable TorchScript model');
  await throwsWith(loadModel(onnx), InputFileError, 'corrupt.onnx', 'not a loadable ONNX model');
});

test('model/data shape mismatch names both shapes', async () => {
  const data = await openDataset('synthetic:4:3x32x32');
  const [b] = await (async () => { const o = []; for await (const x of data.batches(4)) o.push(x); return o; })();
  const ts = await loadModel(reference.torchscript());
  await throwsWith(ts.predict(b.data, b.shape), UserError, '[N, 1, *, *]', '[4, 3, 32, 32]');
  // Right channels, wrong size: only the forward pass can tell; the engine names the shape and the cause.
  const grey = await openDataset('synthetic:2:1x32x32');
  for await (const g of grey.batches(2)) {
    await throwsWith(ts.predict(g.data, g.shape), UserError, 'rejected input of shape [2, 1, 32, 32]', 'mat1 and mat2');
  }
  const onnx = await loadModel(reference.onnx());
  await throwsWith(onnx.predict(b.data, b.shape), UserError, '[N, 1, 28, 28]', '[4, 3, 32, 32]');
});

test('a corrupt image inside a folder is counted and reported, the rest evaluated', async () => {
  const root = join(dir, 'folder');
  for (const [cls, grey] of [['a', 30], ['b', 220]] as const) {
    mkdirSync(join(root, cls), { recursive: true });
    for (let i = 0; i < 3; i++) {
      await sharp({ create: { width: 28, height: 28, channels: 3, background: { r: grey, g: grey, b: grey } } })
        .png().toFile(join(root, cls, `img${i}.png`));
    }
  }
  writeFileSync(join(root, 'b', 'broken.jpg'), Buffer.from('not really a jpeg at all'));
  const data = await openDataset(root, { size: 28, resize: 28, channels: 1 });
  const m = await loadModel(reference.torchscript());
  const r = await evaluate(m, data, { batchSize: 4 });
  assert.is(r.errors.length, 1);
  assert.is(r.errors[0].id, 'b/broken.jpg');
  assert.ok(r.errors[0].reason.length > 0);
  assert.is(r.n, 6);
});

test('unknown device', async () => {
  await throwsWith(TorchModel.load(reference.torchscript(), { device: 'tpu' }), UserError, "unknown device 'tpu'", 'cpu, cuda or cuda:N');
  await throwsWith(TorchModel.load(reference.torchscript(), { device: 'cuda:x' }), UserError, "'cuda:x'");
});

test('cuda asked for without CUDA', async () => {
  const { native } = await import('../../src/native.js');
  if (native().buildInfo().cudaAvailable) return; // a CUDA machine: nothing to refuse
  await throwsWith(TorchModel.load(reference.torchscript(), { device: 'cuda' }), UserError, "'cuda'", 'CUDA is not available', '--device cpu');
  await throwsWith(loadModel(reference.onnx(), { device: 'cuda' }), UserError, 'CUDA is not available');
});

test.run();
