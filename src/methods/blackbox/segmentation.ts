/** Superpixels for LIME and Kernel SHAP: SLIC per image, or one K x K grid shared by all. */
import { UserError } from '../../errors.js';
import type { Tensor } from '../../native.js';
import { kernels, nativeCall } from './kernels.js';

export interface Segments {
  /** int64 labels: (N,H,W) for SLIC, (H,W) for a grid (the kernels take either with a sample index). */
  labels: Tensor;
  /** Segments per sample, M. */
  counts: number[];
  dispose(): void;
}

export async function segment(
  images: Tensor, shape: readonly number[], spec: string, nSegments: number, compactness: number,
): Promise<Segments> {
  const [n, , h, w] = shape;
  if (spec === 'slic') {
    const r = await nativeCall(() => kernels().slic(images, nSegments, compactness));
    return { labels: r.labels, counts: r.segments, dispose: () => r.labels.dispose() };
  }
  const k = Number(spec.slice('grid:'.length));
  if (k > Math.min(h, w)) {
    throw new UserError(`segmentation '${spec}': K = ${k} is larger than the image (${h}x${w}); expected 1 <= K <= ${Math.min(h, w)}`);
  }
  const labels = await nativeCall(() => kernels().gridSegments(h, w, k));
  return { labels, counts: new Array<number>(n).fill(k * k), dispose: () => labels.dispose() };
}
