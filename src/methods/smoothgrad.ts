/**
 * smoothgrad, smoothgrad_sq, vargrad (Smilkov et al. 2017; Adebayo et al. 2018): gradients over n
 * noisy copies x + N(0, (s (max x - min x))^2): their mean, the mean of their squares, their
 * variance. Gradients are signed unless abs is set.
 */
import { z } from 'zod';
import { runGradient } from './gradient.js';
import type { Method } from './types.js';

const Params = z.object({
  n: z.number().int().min(1).default(16),
  s: z.number().min(0).default(0.15),
  abs: z.boolean().default(false),
}).strict();

function variant(name: 'smoothgrad' | 'smoothgrad_sq' | 'vargrad', describe: string): Method<z.infer<typeof Params>> {
  return {
    name,
    describe,
    needs: ['gradients'],
    stochastic: true,
    params: Params,
    run: (model, input, p, ctx) => runGradient(name, 'smoothgrad', model, input, { ...p, variant: name }, ctx),
  };
}

export const smoothgrad = variant('smoothgrad', 'mean gradient over noisy copies of the input');
export const smoothgradSq = variant('smoothgrad_sq', 'mean squared gradient over noisy copies of the input');
export const vargrad = variant('vargrad', 'variance of the gradient over noisy copies of the input');
