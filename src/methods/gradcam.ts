/**
 * gradcam (Selvaraju et al. 2017), as Captum's LayerGradCam + LayerAttribution.interpolate: maps
 * are (N,1,H,W) (or (N,1,h,w) with upsample none). The layer is a dotted module path; by default
 * the model's last convolution.
 */
import { z } from 'zod';
import { runGradient } from './gradient.js';
import type { Method } from './types.js';

const Params = z.object({
  layer: z.string().min(1).optional(),
  relu: z.boolean().default(true),
  upsample: z.enum(['bilinear', 'nearest', 'none']).default('bilinear'),
}).strict();

export const gradcam: Method<z.infer<typeof Params>> = {
  name: 'gradcam',
  describe: 'class activation map of a layer weighted by its mean gradients',
  needs: ['gradients', 'layer'],
  stochastic: false,
  params: Params,
  run: (model, input, p, ctx) => runGradient('gradcam', 'gradcam', model, input, { ...p, layer: p.layer ?? '' }, ctx),
};
