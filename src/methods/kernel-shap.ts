/**
 * kernel_shap (Lundberg & Lee 2017) over superpixels: as lime's sampling (z ~ Bernoulli(0.5)
 * over segments, off-segments filled with the baseline), but a weighted least-squares fit with
 * the Shapley kernel weights and the efficiency constraint sum(phi) = f_t(x) - f_t(baseline).
 * The all-on and all-off coalitions (infinite weight) are evaluated once each and enter as that
 * constraint and as the fixed intercept f_t(baseline), as in the shap package.
 */
import { z } from 'zod';
import { BaselineName, SegmentationParams } from './blackbox/params.js';
import { kernels, nativeCall, vector } from './blackbox/kernels.js';
import { explainSuperpixels } from './blackbox/superpixels.js';
import type { Method } from './types.js';

const Params = z.object({
  S: z.number().int().min(1, { error: 'must be an integer >= 1' }).default(256),
  ...SegmentationParams,
  baseline: BaselineName.default('mean'),
}).strict();
export type KernelShapParams = z.infer<typeof Params>;

export const kernelShap: Method<KernelShapParams> = {
  name: 'kernel_shap',
  describe: 'Shapley values of superpixels estimated by the Shapley-kernel weighted regression',
  needs: ['forward'],
  stochastic: true,
  params: Params,
  run: (model, input, p, ctx) => explainSuperpixels(model, input, p, ctx, async (s) => {
    const k = kernels();
    // rows: all on (f(x)), all off (f(baseline)), then S Bernoulli(0.5) coalitions
    const z = await nativeCall(() => k.binarySamples(s.seed, p.S, s.segments, 0.5, [1, 0]));
    const scores = await s.score(z);
    const y = vector(scores);
    try {
      return await nativeCall(() => k.kernelShapFit(z, y, scores[0], scores[1]));
    } finally {
      z.dispose(); y.dispose();
    }
  }),
};
