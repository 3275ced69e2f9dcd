/**
 * lime (Ribeiro et al. 2016), image explainer: superpixels; S binary rows z, the first all ones
 * (the image itself, as LIME's own first sample) and the rest Bernoulli(0.5); composites fill
 * off-segments with the baseline; a ridge of f_t (the target logit) on z, weighted by
 * sqrt(exp(-d^2 / width^2)) with d the cosine distance of z to all ones. Each pixel gets its
 * segment's coefficient, in every channel.
 */
import { z } from 'zod';
import { BaselineName, SegmentationParams } from './blackbox/params.js';
import { kernels, nativeCall, vector } from './blackbox/kernels.js';
import { explainSuperpixels } from './blackbox/superpixels.js';
import type { Method } from './types.js';

const Params = z.object({
  S: z.number().int().min(2, { error: 'must be an integer >= 2' }).default(256),
  ...SegmentationParams,
  baseline: BaselineName.default('mean'),
  /** Ridge penalty (sklearn's alpha, LIME's default 1). */
  alpha: z.number().min(0, { error: 'must be >= 0' }).default(1),
  /** Width of LIME's exponential kernel on the cosine distance (LIME's image default 0.25). */
  kernel_width: z.number().positive({ error: 'must be > 0' }).default(0.25),
}).strict();
export type LimeParams = z.infer<typeof Params>;

export const lime: Method<LimeParams> = {
  name: 'lime',
  describe: 'coefficients of a locally weighted ridge surrogate over superpixels',
  needs: ['forward'],
  stochastic: true,
  params: Params,
  run: (model, input, p, ctx) => explainSuperpixels(model, input, p, ctx, async (s) => {
    const k = kernels();
    const z = await nativeCall(() => k.binarySamples(s.seed, p.S - 1, s.segments, 0.5, [1]));
    const y = vector(await s.score(z));
    try {
      return (await nativeCall(() => k.limeFit(z, y, p.alpha, p.kernel_width))).coef;
    } finally {
      z.dispose(); y.dispose();
    }
  }),
};
