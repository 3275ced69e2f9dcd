/**
 * The data layer's public types. Images are float32 (N, C, H, W) in pixel space [0, 1],
 * batch first, row-major. Every sample has a stable string id and its index in dataset order.
 */

/** A sample that could not be read. It is counted and reported, never dropped silently. */
export interface SampleError {
  id: string;
  index: number;
  reason: string;
}

export interface Batch {
  /** Stable ids of the good samples, in dataset order. */
  ids: string[];
  /** Their dataset indices. */
  indices: number[];
  /** Class index per good sample; -1 where unknown. */
  labels: Int32Array;
  /** (n, C, H, W) row-major, values in [0, 1]. */
  data: Float32Array;
  /** [n, C, H, W]; n may be below the batch size, even 0 when every sample failed. */
  shape: [number, number, number, number];
  /** Samples of this batch's index range that could not be read. */
  errors: SampleError[];
}

export interface BatchOptions {
  /** First dataset index (default 0). */
  start?: number;
  /** One past the last dataset index (default size). */
  end?: number;
  /** Batches decoded ahead of the one the consumer holds (default 1; 0 turns prefetch off). */
  prefetch?: number;
}

export interface Dataset {
  /** Canonical spec, e.g. "fashion-mnist:test". */
  readonly name: string;
  /** Number of samples after --n. */
  readonly size: number;
  /** [C, H, W] of every sample. */
  readonly shape: [number, number, number];
  /** Class names when known. */
  readonly classes: string[] | null;
  /** Batches in dataset order over indices [start, end), prefetching `prefetch` batches ahead. */
  batches(batchSize: number, opts?: BatchOptions): AsyncIterable<Batch>;
  /** Mean pixel value per channel over the first min(size, 1000) readable samples. */
  meanColour(): Promise<Float32Array>;
}

/** How an image array holds its channels: (N,C,H,W) or (N,H,W,C). */
export const LAYOUTS = ['nchw', 'nhwc'] as const;
export type Layout = (typeof LAYOUTS)[number];

export interface OpenOptions {
  /** Take the first n samples in file order (an integer >= 1; n > size is clamped). */
  n?: number;
  /** Image folder: output height = width (default 224). */
  size?: number;
  /** Image folder: shorter side resized to this before the centre crop (default round(size / 0.875)). */
  resize?: number;
  /** Image folder: 1 (greyscale) or 3 (RGB, default). */
  channels?: 1 | 3;
  /** Image folder, flat layout: CSV with a header and columns filename,label. */
  labels?: string;
  /** npy datasets: the image array's layout, where its shape does not decide it. */
  layout?: Layout;
  /** Directory holding named datasets (default $FASS_DATA_ROOT, else /usr/share/datasets). */
  root?: string;
}
