/**
 * Superpixels for LIME and Kernel SHAP: SLIC per image, or one K x K grid shared by all. SLIC runs
 * a chunk of samples at a time, one chunk ahead of the samples being explained, so the model's
 * first calls do not wait on the whole batch's segmentation. Each image's segments are its own
 * (SLIC looks at no other image), so chunking changes no label.
 */
import { UserError } from '../../errors.js';
import type { Tensor } from '../../native.js';
import { kernels, nativeCall } from './kernels.js';

/** One sample's superpixels: labels with the sample's index into them (the kernels' arguments). */
export interface SampleSegments {
  /** int64 labels: (N,H,W) for SLIC (a chunk of the batch), (H,W) for a grid. */
  labels: Tensor;
  index: number;
  /** Segments of the sample, M. */
  count: number;
}

export interface Segments {
  of(i: number): Promise<SampleSegments>;
  /** Lets go of every chunk's labels (after their samples are done). */
  dispose(): Promise<void>;
}

/** Samples per SLIC call. */
const CHUNK = 64;

/** The batch `images` (N,C,H,W) segmented as `spec` says: `slic` or `grid:K`. */
export async function segment(
  images: Tensor, shape: readonly number[], spec: string, nSegments: number, compactness: number,
): Promise<Segments> {
  const [n, , h, w] = shape;
  if (spec !== 'slic') {
    const k = Number(spec.slice('grid:'.length));
    if (k > Math.min(h, w)) {
      throw new UserError(`segmentation '${spec}': K = ${k} is larger than the image (${h}x${w}); expected 1 <= K <= ${Math.min(h, w)}`);
    }
    const labels = await nativeCall(() => kernels().gridSegments(h, w, k));
    return { of: async (i) => ({ labels, index: i, count: k * k }), dispose: async () => labels.dispose() };
  }
  const chunks = new Map<number, Promise<{ labels: Tensor; segments: number[] }>>();
  const chunk = (j: number) => {
    let r = chunks.get(j);
    if (!r) {
      const start = j * CHUNK, end = Math.min(n, start + CHUNK);
      r = nativeCall(() => kernels().slic(images, nSegments, compactness, undefined, start, end));
      r.catch(() => {});  // awaited by its samples; not a rejection of its own
      chunks.set(j, r);
    }
    return r;
  };
  return {
    async of(i) {
      const j = Math.floor(i / CHUNK);
      if ((j + 1) * CHUNK < n) chunk(j + 1);
      const r = await chunk(j);
      return { labels: r.labels, index: i - j * CHUNK, count: r.segments[i - j * CHUNK] };
    },
    async dispose() {
      for (const r of await Promise.allSettled(chunks.values())) if (r.status === 'fulfilled') r.value.labels.dispose();
    },
  };
}
