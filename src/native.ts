/**
 * The compiled engine (build/Release/fass_native.node) and the types of what it exports.
 * Everything heavy runs in its worker threads; these calls return promises.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export type Dtype = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8';
export type TypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

/** A LibTorch tensor held in native memory (on its device) until read back. */
export interface Tensor {
  readonly shape: number[];
  readonly dtype: Dtype | null;
  readonly device: string | null;
  readonly disposed: boolean;
  toTypedArray(): TypedArray;
  to(device: string): Tensor;
  dispose(): void;
}
export interface TensorConstructor {
  new (data: TypedArray, shape: readonly number[], device?: string): Tensor;
}

export interface NativeScriptModel {
  readonly card: string;
  readonly device: string;
  readonly firstConvInChannels: number;
  /** How many max_pool2d calls run on the engine's 2 x 2 kernel instead of LibTorch's (native/max_pool.h). */
  readonly fastMaxPools: number;
  predict(x: Tensor, threads?: number): Promise<Tensor>;
  submodules(): string[];
  setNormalisation(mean: number[], std: number[]): void;
  /** Every parameter by dotted name, float32 copies (small models: the call is synchronous). */
  parameters(): { name: string; shape: number[]; data: Float32Array }[];
  /** fp32 (default) or bf16 autocast for every forward and backward of this model. */
  setPrecision(precision: 'fp32' | 'bf16'): void;
  /** Bytes the calls inside one method may take; 0 for no budget (native/memory_budget.h). */
  setMemoryBudget(bytes: number): void;
  readonly precision: 'fp32' | 'bf16';
  /** The layers model randomisation resets, in the module's order (native/randomise.h). */
  resettableLayers(): { name: string; kind: string }[];
  /** Re-initialises one layer in place as PyTorch's reset_parameters does, from `seed`. */
  resetLayer(name: string, seed: number): void;
  /** Every parameter and buffer of another handle on the same architecture (undoes resets). */
  copyParametersFrom(other: NativeScriptModel): void;
}

export interface TrainOptions {
  images: Tensor;
  labels: Tensor;
  steps: number;
  batchSize: number;
  lr: number;
  seed: number;
  device: string;
  threads: number;
  classes: number;
  width1?: number;
  width2?: number;
  hidden?: number;
  out: string;
  card: string;
}

/** Parameters as the engine reads them: numbers, booleans, strings, number arrays, tensors. */
export type NativeParams = Record<string, number | boolean | string | number[] | Tensor>;

export interface NativeAttribution {
  maps: Tensor;
  extras: Record<string, Tensor>;
  forward: number;
  backward: number;
  internalBatch: number;
}

/** Options of trainOsrGans (native/osr/gan.h), SPEC.md section 7's names in camelCase. */
/** Every value is required: the engine holds no defaults (OsrOptions in metrics/osr.ts does). */
export interface NativeOsrOptions {
  generatorWidths: number[];
  discriminatorWidths: number[];
  copies: number;
  epochs: number;
  batch: number;
  lr: number;
  lambdaY: number;
  lambdaCe: number;
  delta: number;
  samples: number;
  /** < 0: matched to the accepted GAN samples' distance. */
  noiseEps: number;
  threads?: number;
}

/** K images' GAN samples and decisions, image-major ([K*N] per-sample tensors). */
export interface NativeOsrResult {
  samples: Tensor;       // float32 (K*N, C, H, W)
  samplePred: Tensor;    // int64 argmax f(x')
  sampleShift: Tensor;   // float32 f_y(x') - f_y(x)
  accepted: Tensor;      // uint8 x' in S(x)
  sampleDist: Tensor;    // float32 ||x' - x||
  noisePred: Tensor;     // int64 argmax f(x + u)
  noiseShift: Tensor;    // float32 f_y(x + u) - f_y(x)
  noiseDist: Tensor;     // float32 ||u|| after clamping
  noiseEps: Tensor;      // float32 [K] the eps each image's noise used
  cleanLogit: Tensor;    // float32 (K) f_y(x)
  dLoss: Tensor;         // float32 (K) mean over the last epoch
  gLoss: Tensor;
  steps: number;
}

export interface Native {
  /** OSR's per-image GANs, K at once (native/osr/). targets, seeds and noiseSeeds are int64 (K). */
  trainOsrGans(
    model: NativeScriptModel, images: Tensor, targets: Tensor, seeds: Tensor, noiseSeeds: Tensor,
    options: NativeOsrOptions, onProgress?: (step: number, total: number) => void,
  ): Promise<NativeOsrResult>;
  /** One gradient method on a batch (native/methods/). targets and seeds are int64 tensors. */
  attribute(
    model: NativeScriptModel, method: string, x: Tensor, targets: Tensor, seeds: Tensor,
    params: NativeParams, internalBatch?: number, threads?: number,
  ): Promise<NativeAttribution>;
  /** Resolves a layer ('' for Grad-CAM's default) and reads its activation on one mid-grey input of inputShape. */
  probeLayer(model: NativeScriptModel, layer: string, reshape: string, inputShape: number[]): { layer: string; shape: number[]; layout: string };
  Tensor: TensorConstructor;
  loadScriptModel(path: string, device: string, threads?: number): Promise<NativeScriptModel>;
  trainReferenceCnn(
    o: TrainOptions,
    onProgress?: (step: number, total: number, loss: number) => void,
  ): Promise<{ steps: number; epochs: number; finalLoss: number }>;
  buildInfo(): {
    torchVersion: string; cudaAvailable: boolean; cudaDevices: number; mkldnn: boolean; parallel: string;
    /** Built with the C++11 std::string ABI; with CUDA memory statistics (cudaMemory). */
    cxx11Abi: boolean; cudaStats: boolean;
  };
  /** Waits for the work queued on a CUDA device (default 'cuda'); a no-op for 'cpu'. */
  cudaSynchronize(device?: string): void;
  /** LibTorch's CUDA caching allocator in bytes, or null where the build has no CUDA statistics. */
  cudaMemory(index?: number): { allocated: number; allocatedPeak: number; reserved: number; reservedPeak: number } | null;
  /** Resets the peaks cudaMemory reports. */
  cudaResetPeak(index?: number): void;
  // --- black-box kernels (kernels_wrap.cpp) ---
  /** Kernels of occlusion, lime, kernel_shap and rise (native/kernels/). Masks are keep masks (K,1,H,W). */
  kernels: BlackBoxKernels;
  // --- perturbations (perturb_wrap.cpp) ---
  /** Perturbations, alignment and valid masks (native/perturb/); used through src/perturb/apply.ts. */
  perturb: NativePerturb;
  // --- robustness and faithfulness (metrics_wrap.cpp) ---
  /** Neighbours, per-neighbour robustness ratios and deletion/insertion curves (native/metrics/). */
  metrics: NativeMetrics;
  // --- similarity (similarity_wrap.cpp) ---
  /**
   * Per-pair similarity of two stacks of maps ((N,C,H,W) or (N,H,W)) over an optional valid mask,
   * every metric in one pass (native/similarity/). reduce: sum (default), abs-sum, mean, l2, none.
   * Resolves to one Float64Array of scores (NaN: degenerate) and one reason per pair, by metric key.
   */
  similarity(
    a: Tensor, b: Tensor, mask: Tensor | null, metrics: NativeSimilarityMetric[],
    reduce?: string, threads?: number,
  ): Promise<NativeSimilarityResult>;
}

// --- the engine's perturbation calls (bindings/perturb_wrap.cpp over native/perturb/) ---
// Pixel conventions: x right, y down, pixel centres at integers, centre ((W-1)/2, (H-1)/2).
export type NativeGeometry =
  | { kind: 'rotate'; degrees: number; interpolation?: 'bilinear' | 'nearest' }
  | { kind: 'translate'; dx: number; dy: number; interpolation?: 'bilinear' | 'nearest' }
  | { kind: 'scale'; factor: number; interpolation?: 'bilinear' | 'nearest' }
  | { kind: 'hflip' };
export type NativePhotometric =
  | { kind: 'brightness' | 'contrast'; factor: number }
  | { kind: 'gamma'; gamma: number }
  | { kind: 'blur' | 'noise'; sigma: number };
export type NativeOp = NativeGeometry | NativePhotometric;

export interface NativePerturb {
  /** x (N,C,H,W) floating point -> the perturbed batch; seeds (N) int64 for noise. Worker thread. */
  apply(x: Tensor, op: NativeOp, seeds?: Tensor | null, threads?: number): Promise<Tensor>;
  /** maps (N,C,H,W) or (N,H,W) of the perturbed twin -> A(q) = A'(T(q)), bilinear; photometric ops resolve to `maps` itself. */
  align(maps: Tensor, op: NativeOp, threads?: number): Promise<Tensor>;
  /** (H,W) uint8: T(q) inside the frame, eroded by one pixel; all ones for photometric ops. Synchronous. */
  validMask(op: NativeOp, h: number, w: number): Tensor;
}

// --- the black-box methods' kernels (bindings/kernels_wrap.cpp over native/kernels/) ---
/** Every call runs in a worker thread. Labels are int64 (H,W), or (N,H,W) with a sample index. */
export interface BlackBoxKernels {
  /** Captum's occlusion windows as keep masks (1+P,1,H,W); row 0 keeps everything (the clean image). */
  occlusionMasks(h: number, w: number, windowH: number, windowW: number, strideH: number, strideW: number): Promise<Tensor>;
  /** (1,H,W): per pixel, the mean of scores[0] - scores[1+p] over the windows p covering it. */
  occlusionAverage(scores: Tensor, masks: Tensor): Promise<Tensor>;
  /** images[sample] * keep + baseline * (1 - keep) for keep rows [start, end); baseline (C) or (C,H,W). */
  composeMasked(images: Tensor, sample: number, keep: Tensor, start: number, end: number, baseline: Tensor): Promise<Tensor>;
  /** composeMasked's rows written into `out` (exactly their count of values); `out` is not to be touched until it settles. */
  composeMaskedInto(images: Tensor, sample: number, keep: Tensor, start: number, end: number, baseline: Tensor, out: Float32Array): Promise<void>;
  /** acc + sum_k scores[k] masks[k], float64 (1,H,W); acc null to start from zero. */
  accumulateMasks(acc: Tensor | null, scores: Tensor, masks: Tensor): Promise<Tensor>;
  /** A k x k grid segmentation (H,W). */
  gridSegments(h: number, w: number, k: number): Promise<Tensor>;
  /** SLIC labels (N,H,W) and each image's segment count. */
  /** SLIC of images [start, end) of x (default: all of them). */
  slic(x: Tensor, nSegments: number, compactness: number, maxIter?: number, start?: number, end?: number): Promise<{ labels: Tensor; segments: number[] }>;
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

// --- similarity (bindings/similarity_wrap.cpp over native/similarity/) ---
/** A metric as the engine reads it (metrics/similarity.ts builds it from a SimilarityMetric). */
export interface NativeSimilarityMetric {
  name: string;
  key: string;
  window?: 'gaussian' | 'uniform';
  abs?: boolean;
  signed?: boolean;
  frac?: number;
  k?: number;
}

/** Native result: per metric key, one score and one reason (null: none) per pair. */
export type NativeSimilarityResult = Record<string, { scores: Float64Array; reasons: (string | null)[] }>;

export interface NativeMetrics {
  /** x (N,C,H,W) -> {x: (N*n,C,H,W)}: x + U(-scale, scale) or N(0, scale^2) noise from each sample's seed, or x + fixed (N,n,C,H,W). */
  neighbours(x: Tensor, seeds: Tensor, noise: 'uniform' | 'gaussian', n: number, scale: number, fixed?: Tensor | null, threads?: number): Promise<{ x: Tensor }>;
  /** Per-neighbour values (N,n) of a robustness metric and their max or mean over the kept neighbours (N), float64. */
  robustness(metric: string, x: Tensor, xn: Tensor, g: Tensor, gn: Tensor, logits: Tensor | null, logitsN: Tensor | null, keep: Tensor, threads?: number): Promise<{ values: Tensor; scores: Tensor }>;
  /** Deletion or insertion curves (N,K+1) of the target's softmax probability and their AUC (N), float64. */
  insertionDeletion(model: NativeScriptModel, kind: 'deletion' | 'insertion', x: Tensor, maps: Tensor, targets: Tensor,
    opts: { reduce?: string; step?: number; blurSigma?: number; blurKernel?: number; rowsPerCall?: number }, threads?: number): Promise<{ probs: Tensor; auc: Tensor; forward: number }>;
}

function packageRoot(): string {
  // dist/src/native.js or src/native.ts: walk up to the folder holding package.json
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('fass: package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

let cached: Native | undefined;

function cpuFlags(): Set<string> {
  try {
    return new Set(/^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1].trim().split(/\s+/) ?? []);
  } catch {
    return new Set();
  }
}

/**
 * The addon's path, with the environment its libraries read when they load set first (the
 * libraries read it once, when loaded: this runs before any load).
 */
function addonPath(): string {
  // FASS_ADDON points at another build of the addon (a CUDA build, or a second build folder).
  const path = process.env.FASS_ADDON ?? join(packageRoot(), 'build', 'Release', 'fass_native.node');
  if (!existsSync(path)) {
    throw new Error(`fass: the native engine is not built (${path} is missing). Run scripts/setup, or npm run build:native.`);
  }
  // LibTorch's OpenMP workers, once a parallel region ends, spin by default before they sleep: with
  // onnxruntime's threads working beside them (stability runs forward-only and gradient methods
  // at once) the spinning takes the cores from the work. Read by libgomp when the addon loads it;
  // a value the user set wins.
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  // OpenBLAS's Haswell and Zen sgemm kernels (the ones it picks on x86 CPUs without AVX-512) round
  // a row differently by its position in the call, which breaks "a sample's map does not depend on
  // its batch" (docs/decisions.md, "Bit-identical maps"); its Sandybridge kernels do not, at about
  // 85% of the speed. Read by OpenBLAS when the addon loads it; a value the user set wins.
  if (process.arch === 'x64' && !cpuFlags().has('avx512f')) process.env.OPENBLAS_CORETYPE ??= 'Sandybridge';
  return path;
}

export function native(): Native {
  cached ??= createRequire(import.meta.url)(addonPath()) as Native;
  return cached;
}

/**
 * Starts loading the engine on a worker thread and returns at once. Loading LibTorch's libraries
 * takes about half a second, nearly all of it the dynamic linker's, once per process: the CLI
 * starts it before it compiles its own modules, and native() then finds them loaded. Errors are
 * left to native() to report.
 */
export function preloadNative(): void {
  let path: string;
  try {
    path = addonPath();
  } catch {
    return;
  }
  new Worker(`try { require(${JSON.stringify(path)}); } catch {}`, { eval: true }).unref();
}

/** Bytes copied from JavaScript into native tensors and back since the process started (--profile). */
export const transferred = { toNative: 0, fromNative: 0 };

/** A native tensor's values copied into JavaScript (counted in `transferred`). */
export function readTensor(t: Tensor): TypedArray {
  const a = t.toTypedArray();
  transferred.fromNative += a.byteLength;
  return a;
}

/** Copies a typed array into a new native tensor of the given shape (and device). */
export function tensor(data: TypedArray, shape: readonly number[], device?: string): Tensor {
  transferred.toNative += data.byteLength;
  return new (native().Tensor)(data, shape, device);
}
