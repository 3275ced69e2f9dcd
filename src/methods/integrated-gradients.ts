/**
 * integrated_gradients (Sundararajan et al. 2017), as Captum computes it: same quadrature rules
 * and path points; also the completeness gap per sample (extras.completeness_gap). With
 * `n_steps: auto` each image's quadrature is refined to a stated tolerance (extras.steps,
 * extras.change, extras.converged): native/methods/integrated_gradients.cpp.
 */
import { z } from 'zod';
import { Baseline, baselineParams, baselineSigmas } from './baseline.js';
import { runGradient } from './gradient.js';
import type { Method } from './types.js';
import type { NativeParams } from '../native.js';

export const IG_RULES = ['gausslegendre', 'riemann_left', 'riemann_right', 'riemann_middle', 'riemann_trapezoid'] as const;

/** The rule of `n_steps: auto`: Captum's midpoint rule, the one whose nodes nest (when n triples). */
export const AUTO_RULE = 'riemann_middle';

const Raw = z.object({
  n_steps: z.union([z.number().int().min(2), z.literal('auto')]).default(50),
  method: z.enum(IG_RULES).optional(),
  tolerance: z.number().positive().lt(1).optional(),
  max_steps: z.number().int().min(6).optional(),
  baseline: Baseline.default('black'),
  baseline_sigma: z.number().positive().optional(),
}).strict().superRefine((p, ctx) => {
  const auto = p.n_steps === 'auto';
  if (auto && p.method !== undefined && p.method !== AUTO_RULE) {
    ctx.addIssue({ code: 'custom', path: ['method'], message: `n_steps auto refines ${AUTO_RULE}, whose nodes nest; leave method out or name ${AUTO_RULE}` });
  }
  for (const k of ['tolerance', 'max_steps'] as const) {
    if (!auto && p[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'applies to n_steps auto only' });
  }
});

/** Defaults: gausslegendre for a fixed n_steps; for auto, a 1% tolerance and at most 486 steps (6 x 3^4). */
const Params = Raw.transform(({ n_steps, method, tolerance, max_steps, baseline, baseline_sigma }) => ({
  n_steps,
  method: method ?? (n_steps === 'auto' ? AUTO_RULE : 'gausslegendre'),
  ...(n_steps === 'auto' ? { tolerance: tolerance ?? 0.01, max_steps: max_steps ?? 486 } : {}),
  baseline,
  ...(baseline_sigma !== undefined ? { baseline_sigma } : {}),
}));

export const integratedGradients: Method<z.infer<typeof Params>> = {
  name: 'integrated_gradients',
  describe: 'path integral of gradients from a baseline to the input',
  needs: ['gradients'],
  stochastic: false,
  params: Params,
  run: (model, input, p, ctx) => {
    const { baseline, baseline_sigma, n_steps, method, tolerance, max_steps } = p;
    // The engine refines when given a tolerance, else runs n_steps fixed.
    const steps: NativeParams = n_steps === 'auto' ? { tolerance: tolerance!, max_steps: max_steps! } : { n_steps };
    return runGradient('integrated_gradients', 'integrated_gradients', model, input, { method, ...steps, ...baselineSigmas(baseline_sigma), ...baselineParams(baseline, input.shape) }, ctx);
  },
};
