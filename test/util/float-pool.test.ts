/** The float pool: arrays given back are handed out again for the same length; views and overflow are not kept. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { giveFloats, takeFloats } from '../../src/util/float-pool.js';

test('a taken array owns its whole buffer (it can move to another thread)', () => {
  const a = takeFloats(1000);
  assert.is(a.length, 1000);
  assert.is(a.byteOffset, 0);
  assert.is(a.buffer.byteLength, 4000);
});

test('an array given back is taken again for its length only, once', () => {
  const a = takeFloats(333);
  giveFloats(a);
  assert.is.not(takeFloats(334), a);
  assert.is(takeFloats(333), a);
  assert.is.not(takeFloats(333), a);
});

test('views into a larger buffer are not kept (they could not move alone)', () => {
  const view = new Float32Array(100).subarray(10, 60);
  giveFloats(view);
  assert.is.not(takeFloats(50), view);
});

test('the pool keeps at most 128 MB', () => {
  const n = 12_500_000;  // 50 MB
  const arrays = [takeFloats(n), takeFloats(n), takeFloats(n)];
  for (const a of arrays) giveFloats(a);
  const back = [takeFloats(n), takeFloats(n), takeFloats(n)];
  assert.is(back[0], arrays[1]);  // last in, first out
  assert.is(back[1], arrays[0]);
  assert.ok(!arrays.includes(back[2]), 'the third did not fit and was dropped');
});

test.run();
