import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { prefetchBatches, type LoadBatch } from '../../src/data/stream.js';
import type { Batch } from '../../src/data/index.js';
import { sleep } from '../helpers.js';

let unhandled: unknown[] = [];
process.on('unhandledRejection', (e) => { unhandled.push(e); });

function fakeBatch(start: number, end: number): Batch {
  const n = end - start;
  const indices = Array.from({ length: n }, (_, k) => start + k);
  return { ids: indices.map(String), indices, labels: new Int32Array(n), data: new Float32Array(n), shape: [n, 1, 1, 1], errors: [] };
}

/** A loader that logs starts/ends; later batches finish sooner, to test that order is kept. */
function loggingLoader(log: string[], total: number, fail?: number): LoadBatch {
  return async (s, e) => {
    log.push(`start ${s}`);
    await sleep(2 * (total - s));
    log.push(`end ${s}`);
    if (s === fail) throw new Error(`boom at ${s}`);
    return fakeBatch(s, e);
  };
}

const ranges = (n: number, size: number): [number, number][] =>
  Array.from({ length: Math.ceil(n / size) }, (_, k) => [k * size, Math.min(n, (k + 1) * size)]);

test('batches arrive in order; with depth d, batches k+1..k+d have started when k arrives, no more', async () => {
  for (const depth of [0, 1, 2]) {
    const log: string[] = [];
    const got: number[] = [];
    for await (const b of prefetchBatches('t', ranges(10, 2), loggingLoader(log, 10), depth)) {
      const k = b.indices[0] / 2;
      got.push(b.indices[0]);
      const started = log.filter((l) => l.startsWith('start')).length;
      assert.is(started, Math.min(5, k + 1 + depth), `depth ${depth}, batch ${k}`);
      await sleep(5); // the consumer's own work
    }
    assert.equal(got, [0, 2, 4, 6, 8]);
  }
});

test('a failing batch rejects in order; a failure left behind by an early break is not unhandled', async () => {
  const log: string[] = [];
  const seen: number[] = [];
  let error: Error | undefined;
  try {
    for await (const b of prefetchBatches('t', ranges(8, 2), loggingLoader(log, 8, 4), 1)) seen.push(b.indices[0]);
  } catch (e) {
    error = e as Error;
  }
  assert.equal(seen, [0, 2]);
  assert.is(error?.message, 'boom at 4');

  unhandled = [];
  for await (const b of prefetchBatches('t', ranges(8, 2), loggingLoader([], 8, 2), 1)) {
    assert.is(b.indices[0], 0);
    break; // batch 2 is already loading and will fail with nobody waiting
  }
  await sleep(40);
  assert.equal(unhandled, []);
});

test.run();
