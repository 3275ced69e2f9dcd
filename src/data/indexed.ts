/**
 * A Dataset whose samples can be produced synchronously by index: files already in memory
 * (IDX, CIFAR) and generated images (synthetic). Such samples never fail individually; a bad
 * file fails as a whole when it is opened.
 */
import { deferred, meanColour, streamBatches } from './stream.js';
import type { Batch, BatchOptions, Dataset } from './types.js';

export interface IndexedSource {
  name: string;
  size: number;
  shape: [number, number, number];
  classes: string[] | null;
  /** Id prefix; sample i gets `${idPrefix}/${zero-padded i}`. */
  idPrefix: string;
  /** Label of sample i, -1 when unknown. */
  label(i: number): number;
  /** Writes sample i (C*H*W values in [0, 1], CHW order) into dst at offset. */
  write(i: number, dst: Float32Array, offset: number): void;
}

/** Ids zero-padded to 5 digits (wider only for datasets past 99,999 samples), so they sort. */
export function sampleId(prefix: string, i: number, size: number): string {
  const width = Math.max(5, String(Math.max(size - 1, 0)).length);
  return `${prefix}/${String(i).padStart(width, '0')}`;
}

/** Copies uint8 pixels into float32 as v / 255 (division, not multiplication by 1/255, to match numpy). */
export function u8ToF32(src: Uint8Array, srcOffset: number, len: number, dst: Float32Array, dstOffset: number): void {
  for (let j = 0; j < len; j++) dst[dstOffset + j] = src[srcOffset + j] / 255;
}

function buildBatch(src: IndexedSource, start: number, end: number): Batch {
  const [c, h, w] = src.shape;
  const n = end - start;
  const per = c * h * w;
  const data = new Float32Array(n * per);
  const labels = new Int32Array(n);
  const ids: string[] = [];
  const indices: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = start + k;
    src.write(i, data, k * per);
    labels[k] = src.label(i);
    ids.push(sampleId(src.idPrefix, i, src.size));
    indices.push(i);
  }
  return { ids, indices, labels, data, shape: [n, c, h, w], errors: [] };
}

export function indexedDataset(src: IndexedSource): Dataset {
  const ds: Dataset = {
    name: src.name,
    size: src.size,
    shape: src.shape,
    classes: src.classes,
    batches: (batchSize: number, opts?: BatchOptions) =>
      streamBatches(src.name, src.size, batchSize, opts, (s, e) => deferred(() => buildBatch(src, s, e))),
    meanColour: () => meanColour(ds),
  };
  return ds;
}
