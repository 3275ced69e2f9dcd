/**
 * Shared batching for every reader: argument checks, the bounded prefetch loop, and the
 * per-channel mean. A reader only supplies `load(start, end)`, which builds one batch.
 */
import { UserError } from '../errors.js';
import type { Batch, BatchOptions, Dataset } from './types.js';

export type LoadBatch = (start: number, end: number) => Promise<Batch>;

/** Called whenever a batch load begins. Tests use it to see prefetch happen; off by default. */
export type LoadStartHook = (info: { dataset: string; start: number; end: number }) => void;
let loadStartHook: LoadStartHook | null = null;

export function setLoadStartHook(hook: LoadStartHook | null): void {
  loadStartHook = hook;
}

function checkInt(what: string, v: number, min: number, max = Infinity): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    const range = max === Infinity ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw new UserError(`invalid ${what}: ${v}; expected ${range}`);
  }
  return v;
}

/** Validates batches() arguments and splits [start, end) into consecutive batch ranges. */
export function batchRanges(size: number, batchSize: number, opts: BatchOptions = {}): [number, number][] {
  checkInt('batch size', batchSize, 1);
  const start = checkInt('start index', opts.start ?? 0, 0, size);
  const end = checkInt('end index', opts.end ?? size, start, size);
  const ranges: [number, number][] = [];
  for (let s = start; s < end; s += batchSize) ranges.push([s, Math.min(s + batchSize, end)]);
  return ranges;
}

/**
 * Yields the batches of `ranges` in order while keeping up to `prefetch` later batches loading,
 * so decoding batch k+1 overlaps the consumer's work on batch k. Memory stays bounded: at most
 * the consumer's batch plus `prefetch` others exist at once.
 */
export async function* prefetchBatches(
  dataset: string, ranges: [number, number][], load: LoadBatch, prefetch = 1,
): AsyncGenerator<Batch> {
  const queue: Promise<Batch>[] = [];
  let next = 0;
  for (;;) {
    // Top up before taking the head, so while the consumer holds batch k, k+1..k+prefetch load.
    while (next < ranges.length && queue.length < prefetch + 1) {
      const [s, e] = ranges[next++];
      loadStartHook?.({ dataset, start: s, end: e });
      const p = load(s, e);
      // A prefetched batch may fail after the consumer has stopped; that must not become an
      // unhandled rejection. The failure still reaches the consumer through `await head`.
      p.catch(() => undefined);
      queue.push(p);
    }
    const head = queue.shift();
    if (!head) return;
    yield await head;
  }
}

/**
 * What every Dataset.batches() does: check the arguments now (so a bad one throws at the call,
 * not at the first `for await`), then stream with prefetch.
 */
export function streamBatches(
  dataset: string, size: number, batchSize: number, opts: BatchOptions | undefined, load: LoadBatch,
): AsyncIterable<Batch> {
  const ranges = batchRanges(size, batchSize, opts);
  const prefetch = checkInt('prefetch depth', opts?.prefetch ?? 1, 0);
  return prefetchBatches(dataset, ranges, load, prefetch);
}

/** Runs synchronous batch building after the current tick, so it overlaps the consumer's awaits. */
export function deferred<T>(build: () => T): Promise<T> {
  return new Promise((resolve, reject) => {
    setImmediate(() => {
      try { resolve(build()); } catch (e) { reject(e); }
    });
  });
}

/** Mean pixel value per channel over the first min(size, 1000) samples that could be read. */
export async function meanColour(ds: Dataset): Promise<Float32Array> {
  const [c, h, w] = ds.shape;
  const plane = h * w;
  const sums = new Float64Array(c);
  let samples = 0;
  for await (const b of ds.batches(100, { end: Math.min(ds.size, 1000) })) {
    for (let i = 0; i < b.shape[0]; i++) {
      for (let ch = 0; ch < c; ch++) {
        const off = (i * c + ch) * plane;
        let s = 0;
        for (let j = 0; j < plane; j++) s += b.data[off + j];
        sums[ch] += s;
      }
    }
    samples += b.shape[0];
  }
  if (samples === 0) throw new UserError(`${ds.name}: none of the first ${Math.min(ds.size, 1000)} samples could be read, so there is no mean colour`);
  return Float32Array.from(sums, (s) => s / (samples * plane));
}
