/**
 * The Model interface every method and command works through. Inputs are pixel-space batches
 * (N,C,H,W) in [0,1]; normalisation is the adapter's business.
 */
import { ShapeMismatchError } from '../errors.js';

export interface Logits {
  /** (n, classes) row-major. */
  data: Float32Array;
  n: number;
  classes: number;
}

export type ModelKind = 'torchscript' | 'onnx';

/** Numeric precision of model calls: fp32, or bf16 autocast (TorchScript models only). */
export type Precision = 'fp32' | 'bf16';
export const PRECISIONS = ['fp32', 'bf16'] as const;

export interface Model {
  readonly kind: ModelKind;
  readonly path: string;
  readonly device: string;
  /** fp32 or bf16 (autocast around each forward; maps and scores stay float32). */
  readonly precision: Precision;
  /** [C, H, W] the model accepts; null in a place it does not say; null overall if unknown. */
  readonly inputShape: readonly (number | null)[] | null;
  /**
   * Logits for a batch. `handOver`: the caller gives `data` away and will not read it again, so
   * an adapter that runs elsewhere (onnxruntime's worker thread) may move it there, not copy it.
   */
  predict(data: Float32Array, shape: readonly number[], handOver?: boolean): Promise<Logits>;
  /**
   * Sessions open for forward calls times seconds, summed since load, where the model may run
   * more than one forward call at a time (an ONNX session with spares); null or absent otherwise.
   */
  sessionSeconds?(): number | null;
  dispose(): void;
}

export interface LoadOptions {
  device?: string;
  /** fp32 (default) or bf16 autocast; bf16 needs a TorchScript model. */
  precision?: Precision;
  threads?: number;
  /**
   * Bytes the model calls inside one method may take (TorchScript; internal batches shrink to fit).
   * Default: DEFAULT_MEMORY_SHARE of the memory free at load on the CPU; none on CUDA, where
   * an allocation failure halves the batch instead. 0: no budget.
   */
  memoryBudget?: number;
  /** Per-channel normalisation applied inside the adapter (overrides the model card). */
  mean?: number[];
  std?: number[];
  /** TorchScript on the CPU: run gradient-free calls through the model's ONNX forward twin when it has one (default true). */
  onnxForward?: boolean;
  /**
   * The twin and LibTorch will work side by side (a stability run's method lanes): when the twin
   * is used, each gets half of `threads` (the twin rounds up) instead of both getting all of them.
   */
  splitThreads?: boolean;
}

/** Throws ShapeMismatchError when a [N,C,H,W] batch shape disagrees with what the model accepts. */
export function checkInputShape(model: Pick<Model, 'inputShape' | 'path'>, shape: readonly number[]): void {
  const want = model.inputShape;
  if (!want) return;
  const got = shape.slice(1);
  const ok = got.length === want.length && want.every((d, i) => d === null || d === got[i]);
  if (!ok) {
    throw new ShapeMismatchError(['N', ...want.map((d) => d ?? '*')], [...shape], `model: ${model.path}`);
  }
}

/** Index of the largest value in each row. */
export function argmax(l: Logits): Int32Array {
  const out = new Int32Array(l.n);
  for (let i = 0; i < l.n; i++) {
    let best = 0;
    const row = i * l.classes;
    for (let k = 1; k < l.classes; k++) if (l.data[row + k] > l.data[row + best]) best = k;
    out[i] = best;
  }
  return out;
}

/** Rows with a NaN or infinite logit. */
export function nonFiniteRows(l: Logits): number[] {
  const bad: number[] = [];
  for (let i = 0; i < l.n; i++) {
    for (let k = 0; k < l.classes; k++) {
      if (!Number.isFinite(l.data[i * l.classes + k])) { bad.push(i); break; }
    }
  }
  return bad;
}
