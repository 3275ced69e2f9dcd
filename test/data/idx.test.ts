import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InputFileError } from '../../src/errors.js';
import { dataRoot, FASHION_MNIST_CLASSES, openDataset } from '../../src/data/index.js';
import { collect, tempDir, throwsWith } from '../helpers.js';

const dir = tempDir('idx');
const N = 3, H = 2, W = 4;
const PIXELS = Array.from({ length: N * H * W }, (_, i) => (i * 37 + 11) % 256);
const LABELS = [7, 0, 3];

/** Writes an IDX file by hand: magic, big-endian dims, bytes. */
function idxBytes(magic: number, dims: number[], values: number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((d, k) => head.writeUInt32BE(d, 4 + 4 * k));
  return Buffer.concat([head, Buffer.from(values)]);
}

const imagesRaw = idxBytes(0x803, [N, H, W], PIXELS);
const labelsRaw = idxBytes(0x801, [N], LABELS);
const imgPath = join(dir, 'imgs-idx3-ubyte');
const lblPath = join(dir, 'lbls-idx1-ubyte');
writeFileSync(imgPath, imagesRaw);
writeFileSync(lblPath, labelsRaw);
// Gzipped, under a name without .gz: detection must go by the magic bytes.
const imgGz = join(dir, 'imgs-gz.bin');
writeFileSync(imgGz, gzipSync(imagesRaw));
writeFileSync(join(dir, 'lbls.gz'), gzipSync(labelsRaw));

test('raw IDX: shape, values /255, labels, ids', async () => {
  const ds = await openDataset(`idx:${imgPath},${lblPath}`);
  assert.is(ds.size, N);
  assert.equal(ds.shape, [1, H, W]);
  assert.is(ds.classes, null);
  const [b, ...rest] = await collect(ds, 10);
  assert.is(rest.length, 0);
  assert.equal(b.shape, [N, 1, H, W]);
  assert.equal(Array.from(b.data), PIXELS.map((v) => Math.fround(v / 255)));
  assert.equal(Array.from(b.labels), LABELS);
  assert.equal(b.ids, ['imgs-idx3-ubyte/00000', 'imgs-idx3-ubyte/00001', 'imgs-idx3-ubyte/00002']);
  assert.equal(b.indices, [0, 1, 2]);
  assert.equal(b.errors, []);
});

test('gzipped IDX detected by magic bytes gives the same data', async () => {
  const a = await collect(await openDataset(`idx:${imgPath},${lblPath}`), 2);
  const b = await collect(await openDataset(`idx:${imgGz},${join(dir, 'lbls.gz')}`), 2);
  assert.is(b.length, 2);
  assert.equal(b.map((x) => x.shape[0]), [2, 1]);
  assert.equal(b.map((x) => Array.from(x.data)), a.map((x) => Array.from(x.data)));
  assert.equal(b.map((x) => Array.from(x.labels)), a.map((x) => Array.from(x.labels)));
});

test('images without labels get -1; n limits and clamps', async () => {
  const ds = await openDataset(`idx:${imgPath}`, { n: 2 });
  assert.is(ds.size, 2);
  const [b] = await collect(ds, 8);
  assert.equal(Array.from(b.labels), [-1, -1]);
  assert.is((await openDataset(`idx:${imgPath}`, { n: 99 })).size, N);
});

test('meanColour is the mean pixel', async () => {
  const ds = await openDataset(`idx:${imgPath}`);
  const mean = await ds.meanColour();
  const expected = PIXELS.reduce((a, v) => a + v / 255, 0) / PIXELS.length;
  assert.is(mean.length, 1);
  assert.ok(Math.abs(mean[0] - expected) < 1e-6, `${mean[0]} vs ${expected}`);
});

test('truncated, wrong magic, corrupt gzip and count mismatch are InputFileErrors', async () => {
  const trunc = join(dir, 'trunc');
  writeFileSync(trunc, imagesRaw.subarray(0, imagesRaw.length - 1));
  await throwsWith(openDataset(`idx:${trunc}`), InputFileError, trunc, 'truncated');
  const magic = join(dir, 'magic');
  writeFileSync(magic, labelsRaw);
  await throwsWith(openDataset(`idx:${magic}`), InputFileError, magic, 'bad magic 0x00000801');
  await throwsWith(openDataset(`idx:${imgPath},${imgPath}`), InputFileError, 'bad magic 0x00000803');
  const gz = join(dir, 'cut.gz');
  writeFileSync(gz, gzipSync(imagesRaw).subarray(0, 20));
  await throwsWith(openDataset(`idx:${gz}`), InputFileError, gz, 'gzip');
  const fewer = join(dir, 'fewer');
  writeFileSync(fewer, idxBytes(0x801, [2], [1, 2]));
  await throwsWith(openDataset(`idx:${imgPath},${fewer}`), InputFileError, fewer, '2 labels', '3 images');
  await throwsWith(openDataset(`idx:${join(dir, 'absent')}`), InputFileError, 'absent', 'no such file');
});

const fmDir = join(dataRoot(), 'fashion-mnist');

test('fashion-mnist:test from the data root', async () => {
  if (!existsSync(fmDir)) {
    console.log(`skip: ${fmDir} absent (apt-get install dataset-fashion-mnist)`);
    return;
  }
  const ds = await openDataset('fashion-mnist:test');
  assert.is(ds.name, 'fashion-mnist:test');
  assert.is(ds.size, 10000);
  assert.equal(ds.shape, [1, 28, 28]);
  assert.equal(ds.classes, FASHION_MNIST_CLASSES);
  const small = await openDataset('fashion-mnist:test', { n: 16 });
  assert.is(small.size, 16);
  const [b] = await collect(small, 16);
  assert.is(b.labels[0], 9);
  assert.is(b.ids[0], 'fashion-mnist:test/00000');
  // The reference is float32 16x1x28x28 little-endian, written by an independent reader.
  const ref = readFileSync(new URL('../../../test/fixtures/data/images16.bin', import.meta.url));
  const refF32 = new Float32Array(ref.buffer, ref.byteOffset, ref.length / 4);
  assert.is(b.data.length, refF32.length);
  let mismatches = 0;
  for (let i = 0; i < refF32.length; i++) if (b.data[i] !== refF32[i]) mismatches++;
  assert.is(mismatches, 0, 'pixels differ from test/fixtures/data/images16.bin');
  const [b42] = await collect(ds, 1, { start: 42, end: 43 });
  assert.equal(b42.ids, ['fashion-mnist:test/00042']);
  assert.equal(b42.indices, [42]);
});

test.run();
