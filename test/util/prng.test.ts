/** util/prng: bootstrapMeans draws exactly what prng's stream draws. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bootstrapMeans, prng } from '../../src/util/prng.js';

test('bootstrapMeans equals resampling with prng(seed)() one index at a time, bit for bit', () => {
  const src = prng(3);
  const v = Float64Array.from({ length: 37 }, () => src() * 10 - 5);
  for (const seed of [0, 1, 0xdeadbeef, 2 ** 32 - 1]) {
    const next = prng(seed);
    const want = Array.from({ length: 50 }, () => {
      let s = 0;
      for (let i = 0; i < v.length; i++) s += v[Math.floor(next() * v.length)];
      return s / v.length;
    });
    assert.equal(Array.from(bootstrapMeans(v, seed, 50)), want);
  }
  // the resampled means scatter around the mean, each a mean of values of v
  const m = bootstrapMeans(v, 7, 200);
  const lo = Math.min(...v), hi = Math.max(...v);
  assert.ok(m.every((x) => x >= lo && x <= hi));
  assert.ok(new Set(m).size > 150);
});

test.run();
