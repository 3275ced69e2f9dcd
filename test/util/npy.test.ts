/** .npy round trips, streaming writes, and numpy reading what we write. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputFileError } from '../../src/errors.js';
import { NpyWriter, readNpy, writeNpy } from '../../src/util/npy.js';
import { skip, tempDir, throwsWith } from '../helpers.js';

const dir = tempDir('npy');

test('write then read: float32 and int64, header aligned to 64 bytes', () => {
  const f = join(dir, 'a.npy');
  writeNpy(f, { dtype: 'float32', data: Float32Array.from([1.5, -2, 3]), shape: [3] });
  const a = readNpy(f);
  assert.is(a.dtype, 'float32');
  assert.equal(a.shape, [3]);
  assert.equal(Array.from(a.data as Float32Array), [1.5, -2, 3]);
  const g = join(dir, 'b.npy');
  writeNpy(g, { dtype: 'int64', data: BigInt64Array.from([5n, -1n]), shape: [2, 1] });
  const b = readNpy(g);
  assert.equal(b.shape, [2, 1]);
  assert.equal(Array.from(b.data as BigInt64Array), [5n, -1n]);
});

test('NpyWriter streams rows and appears only when complete', () => {
  const f = join(dir, 'stream.npy');
  const w = new NpyWriter(f, 'float32', [3, 2]);
  w.append(Float32Array.from([1, 2, 3, 4]));
  assert.not.ok(existsSync(f));
  w.append(Float32Array.from([5, 6]));
  w.finish();
  assert.equal(Array.from(readNpy(f).data as Float32Array), [1, 2, 3, 4, 5, 6]);
  const short = new NpyWriter(join(dir, 'short.npy'), 'float32', [3, 2]);
  short.append(Float32Array.from([1, 2]));
  assert.throws(() => short.finish(), /wrote 1 rows of 3/);
});

test('malformed files are InputFileErrors', async () => {
  const f = join(dir, 'bad.npy');
  writeFileSync(f, 'not numpy');
  await throwsWith(() => readNpy(f), InputFileError, 'bad.npy', 'not a .npy file');
  await throwsWith(() => readNpy(join(dir, 'missing.npy')), InputFileError, 'missing.npy', 'ENOENT');
});

test('numpy loads what we write', () => {
  if (spawnSync('/usr/bin/python3', ['-c', 'import numpy']).status !== 0) return skip('numpy check: /usr/bin/python3 with numpy is absent');
  const f = join(dir, 'np.npy');
  const w = new NpyWriter(f, 'float32', [2, 1, 2, 2]);
  w.append(Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]));
  w.finish();
  const r = spawnSync('/usr/bin/python3', ['-c', `import numpy as np; a = np.load('${f}'); print(a.dtype, a.shape, a[1, 0, 1, 0])`], { encoding: 'utf8' });
  assert.is(r.stdout.trim(), 'float32 (2, 1, 2, 2) 6.0', r.stderr);
});

test.run();
