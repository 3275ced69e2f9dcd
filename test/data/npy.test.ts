/** npy:IMAGES.npy[,LABELS.npy]: either layout, float32 or uint8, read by sample; bad files say what they hold. */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openDataset } from '../../src/data/index.js';
import { InputFileError, UserError } from '../../src/errors.js';
import { writeNpy } from '../../src/util/npy.js';
import { collect, tempDir, throwsWith } from '../helpers.js';

const dir = tempDir('npy');
const N = 5, C = 3, H = 4, W = 6;
// Pixel (n, c, y, x) = a value that names it, in [0, 1].
const value = (n: number, c: number, y: number, x: number) => ((((n * C + c) * H + y) * W + x) % 251) / 250;
const nchw = Float32Array.from({ length: N * C * H * W }, (_, i) => {
  const x = i % W, y = Math.floor(i / W) % H, c = Math.floor(i / (W * H)) % C, n = Math.floor(i / (W * H * C));
  return value(n, c, y, x);
});
const file = (name: string) => join(dir, name);
writeNpy(file('nchw.npy'), { dtype: 'float32', data: nchw, shape: [N, C, H, W] });
// The same images channels-last, as uint8 (v * 250 / 255 is not v: compare through the bytes).
const u8 = Uint8Array.from({ length: N * H * W * C }, (_, i) => {
  const c = i % C, x = Math.floor(i / C) % W, y = Math.floor(i / (C * W)) % H, n = Math.floor(i / (C * W * H));
  return Math.round(value(n, c, y, x) * 250);
});
writeNpy(file('nhwc.npy'), { dtype: 'uint8', data: u8, shape: [N, H, W, C] });
writeNpy(file('labels.npy'), { dtype: 'int64', data: BigInt64Array.from([3n, 1n, 4n, 1n, 5n]), shape: [N] });

test('float32 (N,C,H,W): every pixel where it was, labels from the labels file, in batches of any size', async () => {
  const ds = await openDataset(`npy:${file('nchw.npy')},${file('labels.npy')}`);
  assert.equal(ds.shape, [C, H, W]);
  assert.ok(ds.name.endsWith('(nchw)'), ds.name);
  const batches = await collect(ds, 2);
  assert.equal(batches.map((b) => b.shape[0]), [2, 2, 1]);
  assert.equal(Array.from(new Float32Array(batches.flatMap((b) => Array.from(b.data)))), Array.from(nchw));
  assert.equal(batches.flatMap((b) => Array.from(b.labels)), [3, 1, 4, 1, 5]);
});

test('uint8 (N,H,W,C): the layout is decided from the shape, pixels come out CHW as v / 255', async () => {
  const ds = await openDataset(`npy:${file('nhwc.npy')}`, { n: 3 });
  assert.ok(ds.name.endsWith('(nhwc)'), ds.name);
  assert.equal(ds.size, 3);
  const [b] = await collect(ds, 8);
  for (let n = 0; n < 3; n++) for (let c = 0; c < C; c++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    assert.is(b.data[((n * C + c) * H + y) * W + x], Math.fround(Math.round(value(n, c, y, x) * 250) / 255));
  }
  assert.equal(Array.from(b.labels), [-1, -1, -1]);
});

test('a shape that reads both ways needs --layout, and --layout must fit the shape', async () => {
  writeNpy(file('both.npy'), { dtype: 'float32', data: new Float32Array(2 * 3 * 5 * 3), shape: [2, 3, 5, 3] });
  await throwsWith(openDataset(`npy:${file('both.npy')}`), InputFileError, 'shape (2, 3, 5, 3)', 'reads as (N,C,H,W) and as (N,H,W,C) alike', '--layout nchw or --layout nhwc');
  assert.equal((await openDataset(`npy:${file('both.npy')}`, { layout: 'nhwc' })).shape, [3, 3, 5]);
  await throwsWith(openDataset(`npy:${file('nhwc.npy')}`, { layout: 'nchw' }), InputFileError, 'second dimension is not 1 or 3 channels');
  await throwsWith(openDataset('fashion-mnist:test', { layout: 'nchw' }), UserError, '--layout nchw: applies only to npy: datasets');
});

test('wrong dtype, rank, range and labels: exit-2 errors naming what was found', async () => {
  writeNpy(file('f64.npy'), { dtype: 'float64', data: new Float64Array(N * C * H * W), shape: [N, C, H, W] });
  await throwsWith(openDataset(`npy:${file('f64.npy')}`), InputFileError, 'holds float64', 'float32 in [0, 1] or uint8');
  writeNpy(file('rank3.npy'), { dtype: 'float32', data: new Float32Array(N * H * W), shape: [N, H, W] });
  await throwsWith(openDataset(`npy:${file('rank3.npy')}`), InputFileError, 'rank 3', '(N,C,H,W) or (N,H,W,C)');
  const bright = nchw.slice();
  bright[37] = 255;
  writeNpy(file('bright.npy'), { dtype: 'float32', data: bright, shape: [N, C, H, W] });
  await throwsWith(openDataset(`npy:${file('bright.npy')}`), InputFileError, 'holds 255 at flat index 37', 'must lie in [0, 1]');
  writeNpy(file('short.npy'), { dtype: 'int64', data: BigInt64Array.from([1n, 2n]), shape: [2] });
  await throwsWith(openDataset(`npy:${file('nchw.npy')},${file('short.npy')}`), InputFileError, 'shape (2)', 'expected (5,), one label per image');
  await throwsWith(openDataset(`npy:${file('missing.npy')}`), InputFileError, 'missing.npy', 'no such file');
  await throwsWith(openDataset('npy:'), UserError, 'expected npy:IMAGES.npy[,LABELS.npy]');
});

test.run();
