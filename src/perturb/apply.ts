/**
 * Applying a perturbation to a batch and aligning the maps of the perturbed twin (SPEC.md 3).
 *
 * Batches are (N,C,H,W) float32 pixels in [0,1], given as a native Tensor (kept native: the result
 * feeds TorchModel.predictTensor directly) or as host data. Results are native Tensors; read them
 * back with `toTypedArray()`.
 *
 * Geometry (native/perturb/perturb.h): x right, y down, pixel centres at integers, the centre at
 * ((W-1)/2, (H-1)/2). T moves content at original pixel q to T(q); the perturbed image is
 * x'(p) = x(T^-1(p)) with zero fill; the aligned map is A(q) = A'(T(q)) (bilinear), valid where
 * T(q) lies inside the frame, eroded by one pixel.
 */
import { UserError } from '../errors.js';
import { native, tensor, type NativeOp, type NativePerturb, type Tensor, readTensor } from '../native.js';
import { fromNative } from '../models/torch-model.js';
import { jpegBatch } from './jpeg.js';
import { identityAlignment, type PerturbationSpec } from './registry.js';

/** Pixels on the JS side. */
export interface HostBatch {
  data: Float32Array;
  shape: readonly number[];
}
export type BatchInput = Tensor | HostBatch;

export interface PerturbOptions {
  /** LibTorch threads for the call (default: leave as set). */
  threads?: number;
}

function engine(): NativePerturb {
  return native().perturb;
}

async function call<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromNative(e);
  }
}

function isTensor(b: BatchInput): b is Tensor {
  return typeof (b as Tensor).toTypedArray === 'function';
}

function shapeOf(b: BatchInput): number[] {
  return [...b.shape];
}

/** A native tensor for the input and whether we made it (and so must free it). */
function asTensor(b: BatchInput): { t: Tensor; owned: boolean } {
  if (isTensor(b)) return { t: b, owned: false };
  const n = b.shape.reduce((a, v) => a * v, 1);
  if (b.data.length !== n) {
    throw new UserError(`batch data holds ${b.data.length} values, its shape [${b.shape.join(', ')}] needs ${n}`);
  }
  return { t: tensor(b.data, b.shape), owned: true };
}

function checkBatchShape(shape: readonly number[], what: string): void {
  if (shape.length !== 4 || shape.some((v) => !Number.isInteger(v) || v < 0)) {
    throw new UserError(`${what} must be shaped (N,C,H,W), got [${shape.join(', ')}]`);
  }
}

/** Whole pixels of a percentage shift: round half away from zero (torchvision's RandomAffine rounds too). */
function pixelsOf(percent: number, size: number): number {
  const v = (percent / 100) * size;
  return Math.sign(v) * Math.round(Math.abs(v));
}

/**
 * The engine operation a spec stands for on an H x W image: what is actually applied, with
 * translations in pixels. Worth recording beside the spec's id (e.g. translate_x:2.5 on 28 px is
 * a 1 px shift).
 */
export function operation(spec: PerturbationSpec, h: number, w: number): NativeOp | { kind: 'jpeg'; quality: number } {
  const s = spec.severity ?? 0;
  const interpolation = spec.interpolation;
  switch (spec.name) {
    case 'rotate': return { kind: 'rotate', degrees: s, interpolation };
    case 'translate_x': return { kind: 'translate', dx: spec.unit === 'px' ? s : pixelsOf(s, w), dy: 0, interpolation };
    case 'translate_y': return { kind: 'translate', dx: 0, dy: spec.unit === 'px' ? s : pixelsOf(s, h), interpolation };
    case 'scale': return { kind: 'scale', factor: s, interpolation };
    case 'hflip': return { kind: 'hflip' };
    case 'brightness': return { kind: 'brightness', factor: s };
    case 'contrast': return { kind: 'contrast', factor: s };
    case 'gamma': return { kind: 'gamma', gamma: s };
    case 'blur': return { kind: 'blur', sigma: s };
    case 'noise': return { kind: 'noise', sigma: s };
    case 'jpeg': return { kind: 'jpeg', quality: s };
  }
}

/**
 * The perturbed batch as a new native Tensor (N,C,H,W), on the input's device. `seeds` (one per
 * sample, from deriveSeed(runSeed, sampleId, spec.id, method)) are needed by `noise` only: each
 * sample's noise comes from its own seed, so it does not depend on the batch it is in.
 */
export async function perturb(batch: BatchInput, spec: PerturbationSpec, seeds?: Uint32Array | null, opts: PerturbOptions = {}): Promise<Tensor> {
  const shape = shapeOf(batch);
  checkBatchShape(shape, `the batch to perturb (${spec.id})`);
  const [n, , h, w] = shape;
  if (!isTensor(batch) && batch.data.length !== n * shape[1] * h * w) {
    throw new UserError(`batch data holds ${batch.data.length} values, its shape [${shape.join(', ')}] needs ${n * shape[1] * h * w}`);
  }
  if (spec.name === 'jpeg') {
    const data = isTensor(batch) ? toFloat32(batch) : batch.data;
    const out = await jpegBatch(data, shape, spec.severity as number);
    return tensor(out, shape, isTensor(batch) && batch.device && batch.device !== 'cpu' ? batch.device : undefined);
  }
  let seedTensor: Tensor | null = null;
  if (spec.name === 'noise') {
    if (!seeds || seeds.length !== n) {
      throw new UserError(`${spec.id} needs one seed per sample: ${n} samples, ${seeds ? seeds.length : 'no'} seeds`);
    }
    seedTensor = tensor(BigInt64Array.from(seeds, (s) => BigInt(s)), [n]);
  }
  const { t, owned } = asTensor(batch);
  try {
    return await call(() => engine().apply(t, operation(spec, h, w) as NativeOp, seedTensor, opts.threads));
  } finally {
    if (owned) t.dispose();
    seedTensor?.dispose();
  }
}

function toFloat32(t: Tensor): Float32Array {
  const a = readTensor(t);
  return a instanceof Float32Array ? a : Float32Array.from(a as ArrayLike<number>, Number);
}

/**
 * Maps of the perturbed twin, (N,C,H,W) or (N,H,W), brought back onto the original's pixel grid:
 * A(q) = A'(T(q)), bilinear, zero where T(q) leaves the frame (use validMask). Identity alignments
 * (photometric, compression, `@noalign`) resolve to the input Tensor itself, not a copy.
 */
export async function align(maps: BatchInput, spec: PerturbationSpec, opts: PerturbOptions = {}): Promise<Tensor> {
  const shape = shapeOf(maps);
  if (shape.length !== 3 && shape.length !== 4) {
    throw new UserError(`maps to align (${spec.id}) must be shaped (N,C,H,W) or (N,H,W), got [${shape.join(', ')}]`);
  }
  const { t, owned } = asTensor(maps);
  if (identityAlignment(spec)) return t;
  const [h, w] = shape.slice(-2);
  try {
    return await call(() => engine().align(t, operation(spec, h, w) as NativeOp, opts.threads));
  } finally {
    if (owned) t.dispose();
  }
}

function checkSize(spec: PerturbationSpec, h: number, w: number): void {
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) {
    throw new UserError(`valid mask of ${spec.id}: height and width must be integers >= 1, got ${h} x ${w}`);
  }
}

/**
 * The valid mask V (H,W) as a native uint8 Tensor: 1 where T(q) lies inside the frame, eroded by
 * one pixel (3x3, outside the image invalid); all ones for identity alignments. It depends on the
 * spec and the size only, not on the image.
 */
export function validMaskTensor(spec: PerturbationSpec, h: number, w: number): Tensor {
  checkSize(spec, h, w);
  if (identityAlignment(spec)) return tensor(new Uint8Array(h * w).fill(1), [h, w]);
  try {
    return engine().validMask(operation(spec, h, w) as NativeOp, h, w);
  } catch (e) {
    throw fromNative(e);
  }
}

/** The valid mask as a row-major Uint8Array of H*W values (1 valid, 0 not). */
export function validMask(spec: PerturbationSpec, h: number, w: number): Uint8Array {
  checkSize(spec, h, w);
  if (identityAlignment(spec)) return new Uint8Array(h * w).fill(1);
  const t = validMaskTensor(spec, h, w);
  try {
    return readTensor(t) as Uint8Array;
  } finally {
    t.dispose();
  }
}
