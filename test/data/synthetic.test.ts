import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hash32, openDataset } from '../../src/data/index.js';
import { collect } from '../helpers.js';

const concat = (bs: { data: Float32Array }[]) => Float32Array.from(bs.flatMap((b) => Array.from(b.data)));

test('deterministic: two opens give identical pixels; images differ from each other', async () => {
  const a = concat(await collect(await openDataset('synthetic:12'), 5));
  const b = concat(await collect(await openDataset('synthetic:12'), 5));
  assert.is(a.length, 12 * 28 * 28);
  assert.equal(a, b);
  const img = (k: number) => a.subarray(k * 784, (k + 1) * 784);
  assert.not.equal(Array.from(img(0)), Array.from(img(1)));
  // Smooth, in range, and not flat.
  let lo = Infinity, hi = -Infinity;
  for (const v of a) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  assert.ok(lo >= 0 && hi <= 1 && hi - lo > 0.3, `range [${lo}, ${hi}]`);
});

test('defaults: 1x28x28, 10 classes, labels i % K, ids', async () => {
  const ds = await openDataset('synthetic:25');
  assert.is(ds.name, 'synthetic:25:1x28x28:10');
  assert.equal(ds.shape, [1, 28, 28]);
  assert.is(ds.classes?.length, 10);
  const bs = await collect(ds, 10);
  assert.equal(bs.flatMap((b) => Array.from(b.labels)), Array.from({ length: 25 }, (_, i) => i % 10));
  assert.is(bs[1].ids[2], 'synthetic/00012');
});

test('custom shape and classes; batch boundaries do not change pixels', async () => {
  const ds = await openDataset('synthetic:9:3x8x6:4', { n: 7 });
  assert.is(ds.size, 7);
  assert.equal(ds.shape, [3, 8, 6]);
  const whole = await collect(ds, 100);
  assert.equal(whole[0].shape, [7, 3, 8, 6]);
  assert.equal(Array.from(whole[0].labels), [0, 1, 2, 3, 0, 1, 2]);
  const pieces = await collect(ds, 3, { start: 2, end: 7 });
  assert.equal(pieces.map((b) => b.indices), [[2, 3, 4], [5, 6]]);
  assert.equal(concat(pieces), whole[0].data.subarray(2 * 144, 7 * 144));
  const mean = await ds.meanColour();
  assert.is(mean.length, 3);
  for (let c = 0; c < 3; c++) {
    let s = 0;
    for (let i = 0; i < 7; i++) for (let j = 0; j < 48; j++) s += whole[0].data[(i * 3 + c) * 48 + j];
    assert.ok(Math.abs(mean[c] - s / (7 * 48)) < 1e-6);
  }
});

test('hash32 is a fixed function (lowbias32 reference values)', () => {
  // Computed by hand from the published lowbias32 constants.
  assert.is(hash32(0), 0);
  assert.is(hash32(1), lowbias32Ref(1));
  assert.is(hash32(123456789), lowbias32Ref(123456789));
  assert.is.not(hash32(1), hash32(2));
});

/** The same hash written with BigInt arithmetic, as an independent check of the 32-bit wraps. */
function lowbias32Ref(x: number): number {
  let v = BigInt(x);
  const m = (1n << 32n) - 1n;
  v ^= v >> 16n; v = (v * 0x7feb352dn) & m;
  v ^= v >> 15n; v = (v * 0x846ca68bn) & m;
  v ^= v >> 16n;
  return Number(v);
}

test.run();
