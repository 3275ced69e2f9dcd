import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InputFileError } from '../../src/errors.js';
import { openDataset } from '../../src/data/index.js';
import { collect, tempDir, throwsWith } from '../helpers.js';

const PLANE = 32 * 32;

/** Record r: R plane constant 200 - r, G a horizontal ramp, B a vertical ramp plus r. */
function pixel(r: number, c: number, y: number, x: number): number {
  return c === 0 ? 200 - r : c === 1 ? x * 8 : (y * 4 + r) % 256;
}

function record(r: number, label: number): Buffer {
  const rec = Buffer.alloc(1 + 3 * PLANE);
  rec[0] = label;
  for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) rec[1 + c * PLANE + y * 32 + x] = pixel(r, c, y, x);
  return rec;
}

const LABELS = [3, 0, 9];
const dir = tempDir('cifar');
writeFileSync(join(dir, 'test_batch.bin'), Buffer.concat(LABELS.map((l, r) => record(r, l))));
writeFileSync(join(dir, 'batches.meta.txt'), 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n');

test('test batch: CHW layout with the R plane first, labels, ids, classes', async () => {
  const ds = await openDataset(`cifar10:${dir}:test`);
  assert.is(ds.size, 3);
  assert.equal(ds.shape, [3, 32, 32]);
  assert.is(ds.classes?.length, 10);
  assert.is(ds.classes?.[3], 'cat');
  const [b] = await collect(ds, 8);
  assert.equal(b.shape, [3, 3, 32, 32]);
  assert.equal(Array.from(b.labels), LABELS);
  assert.equal(b.ids, ['cifar10:test/00000', 'cifar10:test/00001', 'cifar10:test/00002']);
  // R plane first: the first 1024 values of sample 0 are all 200/255.
  assert.is(b.data[0], Math.fround(200 / 255));
  assert.is(b.data[PLANE - 1], Math.fround(200 / 255));
  let bad = 0;
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) {
    if (b.data[((r * 3 + c) * 32 + y) * 32 + x] !== Math.fround(pixel(r, c, y, x) / 255)) bad++;
  }
  assert.is(bad, 0);
});

test('train batches are read in order 1..5; no meta file means no class names', async () => {
  const tdir = tempDir('cifar-train');
  for (let k = 1; k <= 5; k++) writeFileSync(join(tdir, `data_batch_${k}.bin`), record(k, k));
  const ds = await openDataset(`cifar10:${tdir}:train`, { n: 4 });
  assert.is(ds.size, 4);
  assert.is(ds.classes, null);
  const bs = await collect(ds, 3);
  assert.equal(bs.map((b) => Array.from(b.labels)), [[1, 2, 3], [4]]);
  assert.is(bs[1].data[0], Math.fround(pixel(4, 0, 0, 0) / 255));
});

test('missing file, truncated file and bad label are InputFileErrors', async () => {
  const empty = tempDir('cifar-empty');
  await throwsWith(openDataset(`cifar10:${empty}:test`), InputFileError, 'test_batch.bin', 'not found');
  const trunc = tempDir('cifar-trunc');
  writeFileSync(join(trunc, 'test_batch.bin'), record(0, 1).subarray(0, 3000));
  await throwsWith(openDataset(`cifar10:${trunc}:test`), InputFileError, 'test_batch.bin', '3073-byte');
  const badLabel = tempDir('cifar-label');
  writeFileSync(join(badLabel, 'test_batch.bin'), record(0, 42));
  await throwsWith(openDataset(`cifar10:${badLabel}:test`), InputFileError, 'label 42');
  await throwsWith(openDataset(`cifar10:${join(empty, 'nope')}:test`), InputFileError, 'nope', 'no such directory');
});

test.run();
