/** gradient_shap (Lundberg & Lee 2017), as Captum's GradientShap: random baselines from a set, random points on the path. */
import { z } from 'zod';
import { UserError } from '../errors.js';
import { BASELINE_KINDS, baselineSigmas } from './baseline.js';
import { runGradient } from './gradient.js';
import type { Method } from './types.js';

const Params = z.object({
  n_samples: z.number().int().min(1).default(16),
  stdev: z.number().min(0).default(0),
  baselines: z.array(z.enum(BASELINE_KINDS)).min(1).default(['black', 'mean']),
  baseline_sigma: z.number().positive().optional(),
}).strict();

export const gradientShap: Method<z.infer<typeof Params>> = {
  name: 'gradient_shap',
  describe: 'expected gradients times (input - baseline) over random baselines and path points',
  needs: ['gradients'],
  stochastic: true,
  params: Params,
  run: (model, input, p, ctx) => {
    if (p.baselines.includes('mean') && !ctx.meanColour) throw new UserError("gradient_shap: baseline 'mean' needs the dataset's mean colour");
    const { baseline_sigma, ...rest } = p;
    return runGradient('gradient_shap', 'gradient_shap', model, input, { ...rest, ...baselineSigmas(baseline_sigma), baselines: p.baselines.join(',') }, ctx);
  },
};
