/**
 * The native kernels of the black-box methods (bindings/kernels_wrap.cpp over native/kernels/):
 * their types, and the accessor the methods use.
 */
import { native, tensor, type Tensor } from '../../native.js';
import { fromNative } from '../../models/torch-model.js';

/** Every call runs in a worker thread. Labels are int64 (H,W), or (N,H,W) with a sample index. */
export interface BlackBoxKernels {
  /** Captum's occlusion windows as keep masks (1+P,1,H,W); row 0 keeps everything (the clean image). */
  occlusionMasks(h: number, w: number, windowH: number, windowW: number, strideH: number, strideW: number): Promise<Tensor>;
  /** (1,H,W): per pixel, the mean of scores[0] - scores[1+p] over the windows p covering it. */
  occlusionAverage(scores: Tensor, masks: Tensor): Promise<Tensor>;
  /** images[sample] * keep + baseline * (1 - keep) for keep rows [start, end); baseline (C) or (C,H,W). */
  composeMasked(images: Tensor, sample: number, keep: Tensor, start: number, end: number, baseline: Tensor): Promise<Tensor>;
  /** acc + sum_k scores[k] masks[k], float64 (1,H,W); acc null to start from zero. */
  accumulateMasks(acc: Tensor | null, scores: Tensor, masks: Tensor): Promise<Tensor>;
  /** A k x k grid segmentation (H,W). */
  gridSegments(h: number, w: number, k: number): Promise<Tensor>;
  /** SLIC labels (N,H,W) and each image's segment count. */
  slic(x: Tensor, nSegments: number, compactness: number, maxIter?: number): Promise<{ labels: Tensor; segments: number[] }>;
  /** Keep masks (end-start,1,H,W): z[s, label(pixel)] for rows [start, end) of z (S,M). */
  segmentMasks(labels: Tensor, sample: number, z: Tensor, start: number, end: number): Promise<Tensor>;
  /** values[label(pixel)] as (1,H,W). */
  segmentValues(labels: Tensor, sample: number, values: Tensor): Promise<Tensor>;
  /** (head.length + draws, m) binary rows: head rows all ones (1) or all zeros (0), then Bernoulli(p) draws from `seed`. */
  binarySamples(seed: number, draws: number, m: number, p: number, head?: number[]): Promise<Tensor>;
  /** sklearn Ridge(alpha, fit_intercept).fit(x, y, sample_weight=w), solved in float64. */
  weightedRidge(x: Tensor, y: Tensor, w: Tensor, alpha: number, intercept: boolean): Promise<{ coef: Tensor; intercept: number }>;
  /** LIME's weighted ridge of y on z with the exponential kernel on cosine distance. */
  limeFit(z: Tensor, y: Tensor, alpha: number, kernelWidth: number): Promise<{ coef: Tensor; intercept: number }>;
  /** Kernel SHAP's Shapley-kernel regression under sum(phi) = fx - f0. */
  kernelShapFit(z: Tensor, y: Tensor, fx: number, f0: number): Promise<Tensor>;
  /** RISE's draws for one sample: grids (n,1,s,s) and crop offsets (n,2). */
  riseDraws(seed: number, n: number, s: number, p: number, h: number, w: number): Promise<{ grids: Tensor; shifts: Tensor }>;
  /** RISE keep masks (end-start,1,H,W) from draws [start, end). */
  riseMasks(grids: Tensor, shifts: Tensor, start: number, end: number, h: number, w: number): Promise<Tensor>;
}

export function kernels(): BlackBoxKernels {
  return native().kernels;
}

/** Awaits a native kernel call, turning the engine's user errors into UserErrors. */
export async function nativeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw fromNative(e);
  }
}

/** A Float32Array as a 1-D native tensor. */
export function vector(values: Float32Array): Tensor {
  return tensor(values, [values.length]);
}
