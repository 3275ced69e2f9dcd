/** input_x_gradient: x * d f_t / d x (Captum InputXGradient). */
import { z } from 'zod';
import { runGradient } from './gradient.js';
import type { Method } from './types.js';

const Params = z.object({}).strict();

export const inputXGradient: Method<z.infer<typeof Params>> = {
  name: 'input_x_gradient',
  describe: 'input times the gradient of the target logit',
  needs: ['gradients'],
  stochastic: false,
  params: Params,
  run: (model, input, p, ctx) => runGradient('input_x_gradient', 'input_x_gradient', model, input, p, ctx),
};
