/**
 * The loop LIME and Kernel SHAP share: segment the batch, then per sample draw a binary design z
 * over its M segments, score the composites z describes, fit a surrogate, and paint each pixel
 * with its segment's coefficient in every channel.
 */
import { tensor, type Tensor } from '../../native.js';
import type { Model } from '../../models/model.js';
import { costOf, type Attribution, type AttributionInput, type RunContext } from '../types.js';
import { kernels, nativeCall } from './kernels.js';
import { MapBatch } from './maps.js';
import { baselineColour, imagesPerCall, type BaselineName } from './params.js';
import { Scorer, forEachSample, madeByChunk } from './scorer.js';
import { segment } from './segmentation.js';

export interface SuperpixelParams {
  segmentation: string;
  n_segments: number;
  compactness: number;
  baseline: BaselineName;
}

export interface SuperpixelSample {
  seed: number;
  /** Segments of this sample, M. */
  segments: number;
  /** f_t of the composite of each row of z (S,M), in row order. */
  score(z: Tensor): Promise<Float32Array>;
}

/** Runs `explain` (z, scores -> per-segment coefficients (M)) for every sample of the batch. */
export async function explainSuperpixels(
  model: Model, input: AttributionInput, p: SuperpixelParams, ctx: RunContext,
  explain: (s: SuperpixelSample) => Promise<Tensor>,
): Promise<Attribution> {
  const started = performance.now();
  const [n, c, h, w] = input.shape;
  const baseline = baselineColour(p.baseline, c, ctx);
  const images = tensor(input.data, input.shape);
  const scorer = new Scorer(model, images, imagesPerCall(ctx));
  const maps = new MapBatch(n, c, h, w);
  try {
    const segs = await segment(images, input.shape, p.segmentation, p.n_segments, p.compactness);
    try {
      await forEachSample(n, scorer.inFlight, async (i) => {
        const { labels, index, count } = await segs.of(i);
        const score = (z: Tensor) => scorer.score(i, input.targets[i], madeByChunk(z.shape[0], (a, b) => nativeCall(() => kernels().segmentMasks(labels, index, z, a, b))), baseline, 'logit');
        const coef = await explain({ seed: input.seeds[i], segments: count, score });
        maps.setPlane(i, await nativeCall(() => kernels().segmentValues(labels, index, coef)));
        coef.dispose();
      });
    } finally {
      await segs.dispose();
    }
  } finally {
    images.dispose(); baseline.dispose();
  }
  return { maps: maps.data, shape: maps.shape, cost: costOf(scorer.forwardPasses, 0, started, n) };
}
