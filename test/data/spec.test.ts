import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError } from '../../src/errors.js';
import { openDataset, parseSpec } from '../../src/data/index.js';
import { tempDir, throwsWith } from '../helpers.js';

test('parseSpec recognises every documented form', () => {
  assert.equal(parseSpec('fashion-mnist:train'), { kind: 'named', set: 'fashion-mnist', split: 'train' });
  assert.equal(parseSpec('mnist:test'), { kind: 'named', set: 'mnist', split: 'test' });
  assert.equal(parseSpec('idx:a.gz'), { kind: 'idx', images: 'a.gz', labels: undefined });
  assert.equal(parseSpec('idx:a,b'), { kind: 'idx', images: 'a', labels: 'b' });
  assert.equal(parseSpec('cifar10:/d:x:test'), { kind: 'cifar10', dir: '/d:x', split: 'test' });
  assert.equal(parseSpec('synthetic:5'), { kind: 'synthetic', count: 5, shape: [1, 28, 28], classes: 10 });
  assert.equal(parseSpec('synthetic:5:3x4x2'), { kind: 'synthetic', count: 5, shape: [3, 4, 2], classes: 10 });
  assert.equal(parseSpec('synthetic:5:7'), { kind: 'synthetic', count: 5, shape: [1, 28, 28], classes: 7 });
  assert.equal(parseSpec('synthetic:5:3x4x2:7'), { kind: 'synthetic', count: 5, shape: [3, 4, 2], classes: 7 });
  assert.equal(parseSpec('folder:imgs'), { kind: 'folder', dir: 'imgs' });
  assert.equal(parseSpec('./imgs'), { kind: 'folder', dir: './imgs' });
  assert.equal(parseSpec('/data/val'), { kind: 'folder', dir: '/data/val' });
});

test('unknown or malformed specs name the bad value and the accepted forms', async () => {
  for (const spec of ['foo:bar', 'nonsense', 'fashion-mnist:valid', 'cifar10:test', 'synthetic:0', 'synthetic:5:3x4', 'synthetic:x', 'idx:']) {
    await throwsWith(openDataset(spec), UserError, `'${spec}'`, 'accepted forms', 'synthetic:N');
  }
  const file = join(tempDir('spec'), 'plain.txt');
  writeFileSync(file, 'x');
  await throwsWith(openDataset(`folder:${file}`), UserError, file, 'not a folder');
});

test('bad n: 0, 1.5, -3 are UserErrors naming the value', async () => {
  await throwsWith(openDataset('synthetic:10', { n: 0 }), UserError, '--n 0', 'integer >= 1');
  await throwsWith(openDataset('synthetic:10', { n: 1.5 }), UserError, '--n 1.5');
  await throwsWith(openDataset('synthetic:10', { n: -3 }), UserError, '--n -3');
  assert.is((await openDataset('synthetic:10', { n: 50 })).size, 10);
});

test('missing folder and missing data root name the path looked at', async () => {
  const missing = join(tempDir('spec-missing'), 'no-such-folder');
  await throwsWith(openDataset(missing), UserError, missing, 'no such directory');
  const root = join(tempDir('spec-root'), 'custom-root');
  await throwsWith(openDataset('fashion-mnist:test', { root }), UserError,
    join(root, 'fashion-mnist', 't10k-images-idx3-ubyte'), 'apt-get install dataset-fashion-mnist', 'FASS_DATA_ROOT');
  await throwsWith(openDataset('mnist:train', { root }), UserError, join(root, 'mnist', 'train-images-idx3-ubyte'));
});

test('folder-only options on a fixed-shape dataset, and bad folder options, are refused', async () => {
  await throwsWith(openDataset('synthetic:4', { size: 64 }), UserError, '--size 64', 'image folders');
  await throwsWith(openDataset('synthetic:4', { labels: 'x.csv' }), UserError, '--labels x.csv');
  const dir = tempDir('spec-opts');
  await throwsWith(openDataset(dir, { channels: 2 as 3 }), UserError, '--channels 2', '1 or 3');
  await throwsWith(openDataset(dir, { size: 0 }), UserError, '--size 0');
  await throwsWith(openDataset(dir, { size: 64, resize: 32 }), UserError, '--resize 32', '--size 64');
});

test('batches() rejects bad arguments at the call', async () => {
  const ds = await openDataset('synthetic:10');
  await throwsWith(() => ds.batches(0), UserError, 'batch size: 0');
  await throwsWith(() => ds.batches(2.5), UserError, 'batch size: 2.5');
  await throwsWith(() => ds.batches(4, { start: 5, end: 2 }), UserError, 'end index: 2');
  await throwsWith(() => ds.batches(4, { end: 11 }), UserError, 'end index: 11', '[0, 10]');
  await throwsWith(() => ds.batches(4, { prefetch: -1 }), UserError, 'prefetch depth: -1');
});

test.run();
