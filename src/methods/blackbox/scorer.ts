/**
 * Model calls on masked composites of one sample, made natively (compose kernel). A TorchModel
 * that runs its forward passes in LibTorch takes them as native tensors; a model that runs in
 * onnxruntime (an ONNX model, a forward twin) gets them written straight into a JavaScript buffer
 * that it is handed (onnxruntime's worker thread takes it as it is, not a copy). A call
 * never mixes samples, and a sample's chunks are fixed by the internal batch size alone, so a
 * sample's scores do not depend on the batch it came in.
 */
import { UserError } from '../../errors.js';
import type { Tensor } from '../../native.js';
import { checkInputShape, type Logits, type Model } from '../../models/model.js';
import { TorchModel } from '../../models/torch-model.js';
import { takeFloats } from '../../util/float-pool.js';
import { kernels, nativeCall } from './kernels.js';

/** keep masks [start, end) of the rows a source holds, and how to let go of them. */
export interface MaskChunk {
  keep: Tensor;
  /** Rows of `keep` to use: [start, end). */
  start: number;
  end: number;
  /** True when the chunk was made for this call (and is disposed after it). */
  owned: boolean;
}

export interface MaskSource {
  count: number;
  chunk(start: number, end: number): Promise<MaskChunk>;
}

/** Rows of a tensor that already holds every mask. */
export function allAtOnce(masks: Tensor): MaskSource {
  return { count: masks.shape[0], chunk: async (start, end) => ({ keep: masks, start, end, owned: false }) };
}

/** Masks made a chunk at a time by `make(start, end)`. */
export function madeByChunk(count: number, make: (start: number, end: number) => Promise<Tensor>): MaskSource {
  return { count, chunk: async (start, end) => ({ keep: await make(start, end), start: 0, end: end - start, owned: true }) };
}

/**
 * Samples of a batch explained at once (their model calls still run one at a time), by the bytes
 * of one call's composites: up to 4 while their composites are small, 2 where each call's hold
 * much (MAX_IN_FLIGHT_BYTES). onnxruntime runs one call at a time on its own thread; a LIME
 * sample makes up to five hops between threads between its model calls (draw, masks, composites,
 * fit, paint), which take about as long as a call where calls are short (small images), so with
 * two in flight the model waited on the rest: more keep a call ready for it.
 */
const MIN_IN_FLIGHT = 2, MAX_IN_FLIGHT = 4, MAX_IN_FLIGHT_BYTES = 64 * 2 ** 20;

export function samplesInFlight(perCall: number, pixelValues: number): number {
  const perSample = perCall * pixelValues * 4;
  return Math.max(MIN_IN_FLIGHT, Math.min(MAX_IN_FLIGHT, Math.floor(MAX_IN_FLIGHT_BYTES / perSample)));
}

/**
 * one(i) for every sample of a batch, `inFlight` at a time: one sample's kernels (masks,
 * composites, fits, averages) run on the engine's threads while another's model call runs, so the
 * model is not left waiting on the hops between threads. Each sample's numbers are its own.
 */
export async function forEachSample(n: number, inFlight: number, one: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const settled = await Promise.allSettled(Array.from({ length: Math.min(inFlight, n) }, async () => {
    for (let i = next++; i < n; i = next++) await one(i);
  }));
  for (const r of settled) if (r.status === 'rejected') throw r.reason;
}

/** f_t as the target logit, or as the target's softmax probability (RISE). */
export type ScoreKind = 'logit' | 'probability';

export class Scorer {
  /** Images pushed through the model so far. */
  forwardPasses = 0;
  /** Whether the model takes native tensors (LibTorch); else composites go to model.predict. */
  private readonly native: boolean;
  /** Samples to explain at once (forEachSample). */
  readonly inFlight: number;

  constructor(
    private readonly model: Model,
    /** The batch (N,C,H,W), native. */
    private readonly images: Tensor,
    private readonly perCall: number,
  ) {
    this.native = model instanceof TorchModel && model.forwardBackend === 'libtorch';
    const [, c, h, w] = images.shape;
    this.inFlight = samplesInFlight(perCall, c * h * w);
  }

  /**
   * Scores of sample `sample`'s composites (one per mask of `masks`) for class `target`.
   * `onChunk` sees each chunk's masks and scores before the masks are freed.
   */
  async score(
    sample: number, target: number, masks: MaskSource, baseline: Tensor, kind: ScoreKind,
    onChunk?: (chunk: MaskChunk, scores: Float32Array) => Promise<void>,
  ): Promise<Float32Array> {
    const out = new Float32Array(masks.count);
    for (let start = 0; start < masks.count; start += this.perCall) {
      const end = Math.min(masks.count, start + this.perCall);
      const chunk = await masks.chunk(start, end);
      try {
        const logits = await this.logits(sample, chunk, baseline);
        const scores = targetScores(logits, target, kind);
        out.set(scores, start);
        if (onChunk) await onChunk(chunk, scores);
      } finally {
        if (chunk.owned) chunk.keep.dispose();
      }
    }
    return out;
  }

  /** The model's logits on the composites of `chunk`'s masks. */
  private async logits(sample: number, chunk: MaskChunk, baseline: Tensor): Promise<Logits> {
    const [, c, h, w] = this.images.shape, rows = chunk.end - chunk.start;
    const shape = [rows, c, h, w];
    checkInputShape(this.model, shape);
    this.forwardPasses += rows;
    if (this.native) {
      const composite = await nativeCall(() => kernels().composeMasked(this.images, sample, chunk.keep, chunk.start, chunk.end, baseline));
      try {
        return await (this.model as TorchModel).logitsOf(composite);
      } finally {
        composite.dispose();
      }
    }
    // Every value is written by the kernel; the array goes to the model's thread and back to the pool.
    const into = takeFloats(rows * c * h * w);
    await nativeCall(() => kernels().composeMaskedInto(this.images, sample, chunk.keep, chunk.start, chunk.end, baseline, into));
    return await this.model.predict(into, shape, true);
  }
}

/** Each row's target logit, or its softmax probability (computed in float64). */
export function targetScores(l: Logits, target: number, kind: ScoreKind): Float32Array {
  if (!Number.isInteger(target) || target < 0 || target >= l.classes) {
    throw new UserError(`target class ${target}: the model has ${l.classes} classes (0 .. ${l.classes - 1})`);
  }
  const out = new Float32Array(l.n);
  for (let i = 0; i < l.n; i++) {
    const row = i * l.classes;
    const t = l.data[row + target];
    if (kind === 'logit') { out[i] = t; continue; }
    let sum = 0;
    for (let k = 0; k < l.classes; k++) sum += Math.exp(l.data[row + k] - t);
    out[i] = 1 / sum;
  }
  return out;
}
