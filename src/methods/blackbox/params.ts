/** Parameter pieces the black-box methods share: the baseline colour and the segmentation. */
import { z } from 'zod';
import { UserError } from '../../errors.js';
import { tensor, type Tensor } from '../../native.js';
import type { RunContext } from '../types.js';

/** What fills removed pixels: `black` (0) or `mean` (the dataset's mean colour, ctx.meanColour). */
export const BASELINES = ['black', 'mean'] as const;
export const BaselineName = z.enum(BASELINES, { error: `expected one of ${BASELINES.join(', ')}` });
export type BaselineName = z.infer<typeof BaselineName>;

/** The baseline as a (C) colour tensor for the compose kernel. */
export function baselineColour(name: BaselineName, channels: number, ctx: RunContext): Tensor {
  if (name === 'black') return tensor(new Float32Array(channels), [channels]);
  const mean = ctx.meanColour;
  if (!mean) {
    throw new UserError("baseline 'mean' needs the dataset's mean colour (RunContext.meanColour), and none was given", "use baseline 'black', or give the mean colour");
  }
  if (mean.length !== channels) {
    throw new UserError(`baseline 'mean': the mean colour has ${mean.length} channel(s), the images have ${channels}`);
  }
  return tensor(Float32Array.from(mean), [channels]);
}

/** `slic` (SLIC superpixels, n_segments and compactness) or `grid:K` (a K x K grid). */
export const Segmentation = z.string().regex(/^(slic|grid:[1-9]\d*)$/, { error: "expected 'slic' or 'grid:K' with K a positive integer" });

/** The segmentation parameters LIME and Kernel SHAP share. */
export const SegmentationParams = {
  segmentation: Segmentation.default('slic'),
  n_segments: z.number().int().min(1, { error: 'must be an integer >= 1' }).default(50),
  compactness: z.number().positive({ error: 'must be > 0' }).default(10),
};

/** The default internal batch: images per model call. */
export const DEFAULT_IMAGES_PER_CALL = 256;

export function imagesPerCall(ctx: RunContext): number {
  const b = ctx.internalBatchSize ?? DEFAULT_IMAGES_PER_CALL;
  if (!Number.isInteger(b) || b < 1) throw new UserError(`internal batch size ${b}: expected an integer >= 1`);
  return b;
}
