/**
 * integrated_gradients (Sundararajan et al. 2017), as Captum computes it: same quadrature rules
 * and path points; also the completeness gap per sample (extras.completeness_gap).
 */
import { z } from 'zod';
import { Baseline, baselineParams, baselineSigmas } from './baseline.js';
import { runGradient } from './gradient.js';
import type { Method } from './types.js';

export const IG_RULES = ['gausslegendre', 'riemann_left', 'riemann_right', 'riemann_middle', 'riemann_trapezoid'] as const;

const Params = z.object({
  n_steps: z.number().int().min(2).default(50),
  method: z.enum(IG_RULES).default('gausslegendre'),
  baseline: Baseline.default('black'),
  baseline_sigma: z.number().positive().optional(),
}).strict();

export const integratedGradients: Method<z.infer<typeof Params>> = {
  name: 'integrated_gradients',
  describe: 'path integral of gradients from a baseline to the input',
  needs: ['gradients'],
  stochastic: false,
  params: Params,
  run: (model, input, p, ctx) => {
    const { baseline, baseline_sigma, ...rest } = p;
    return runGradient('integrated_gradients', 'integrated_gradients', model, input, { ...rest, ...baselineSigmas(baseline_sigma), ...baselineParams(baseline, input.shape) }, ctx);
  },
};
