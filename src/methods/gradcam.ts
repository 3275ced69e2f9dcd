/**
 * gradcam (Selvaraju et al. 2017), as Captum's LayerGradCam + LayerAttribution.interpolate: maps
 * are (N,1,H,W) (or (N,1,h,w) with upsample none). The layer is a dotted module path; by default
 * the one practitioners pick (native/layer_capture.h: the last block of the last spatial stage of
 * a CNN, the first norm of a transformer's last block). `reshape` says how the activation holds
 * its grid: auto (decided from its shape), nchw, nhwc (channels-last, Swin) or tokens (ViT: the
 * prefix tokens dropped, the rest a g x g grid).
 */
import { z } from 'zod';
import { runGradient } from './gradient.js';
import type { Method } from './types.js';

const Params = z.object({
  layer: z.string().min(1).optional(),
  relu: z.boolean().default(true),
  reshape: z.enum(['auto', 'nchw', 'nhwc', 'tokens']).default('auto'),
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
