/**
 * Model calls on masked composites of one sample. Composites are made natively (compose kernel);
 * a TorchModel takes them as they are (logitsOf: LibTorch, or its ONNX forward twin), any other
 * model gets them read back and through model.predict. A call never mixes samples, and a sample's chunks are fixed by the
 * internal batch size alone, so a sample's scores do not depend on the batch it came in.
 */
import { UserError } from '../../errors.js';
import type { Tensor } from '../../native.js';
import { checkInputShape, type Logits, type Model } from '../../models/model.js';
import { TorchModel } from '../../models/torch-model.js';
import { kernels, nativeCall } from './kernels.js';
import { readTensor } from '../../native.js';

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

/** f_t as the target logit, or as the target's softmax probability (RISE). */
export type ScoreKind = 'logit' | 'probability';

export class Scorer {
  /** Images pushed through the model so far. */
  forwardPasses = 0;

  constructor(
    private readonly model: Model,
    /** The batch (N,C,H,W), native. */
    private readonly images: Tensor,
    private readonly perCall: number,
  ) {}

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
        const composite = await nativeCall(() => kernels().composeMasked(this.images, sample, chunk.keep, chunk.start, chunk.end, baseline));
        const logits = await this.predict(composite);
        const scores = targetScores(logits, target, kind);
        out.set(scores, start);
        if (onChunk) await onChunk(chunk, scores);
      } finally {
        if (chunk.owned) chunk.keep.dispose();
      }
    }
    return out;
  }

  private async predict(composite: Tensor): Promise<Logits> {
    const shape = composite.shape;
    this.forwardPasses += shape[0];
    try {
      if (this.model instanceof TorchModel) return await this.model.logitsOf(composite);
      checkInputShape(this.model, shape);
      return await this.model.predict(readTensor(composite) as Float32Array, shape);
    } finally {
      composite.dispose();
    }
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
