/** saliency: d f_t / d x, absolute by default (Captum Saliency). */
import { z } from 'zod';
import { runGradient } from './gradient.js';
import type { Method } from './types.js';

const Params = z.object({ abs: z.boolean().default(true) }).strict();

export const saliency: Method<z.infer<typeof Params>> = {
  name: 'saliency',
  describe: 'gradient of the target logit with respect to the input (absolute by default)',
  needs: ['gradients'],
  stochastic: false,
  params: Params,
  run: (model, input, p, ctx) => runGradient('saliency', 'saliency', model, input, p, ctx),
};
