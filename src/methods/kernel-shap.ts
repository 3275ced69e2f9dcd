/**
 * kernel_shap (Lundberg & Lee 2017) over superpixels: as lime's sampling (z ~ Bernoulli(0.5)
 * over segments, off-segments filled with the baseline), but a weighted least-squares fit with
 * the Shapley kernel weights and the efficiency constraint sum(phi) = f_t(x) - f_t(baseline).
 * The all-on and all-off coalitions (infinite weight) are evaluated once each and enter as that
 * constraint and as the fixed intercept f_t(baseline), as in the shap package.
 */
import { z } from 'zod';
import { tensor } from '../native.js';
import { BaselineName, SegmentationParams, baselineColour, imagesPerCall } from './blackbox/params.js';
import { kernels } from './blackbox/kernels.js';
import { MapBatch } from './blackbox/maps.js';
import { Scorer, madeByChunk, native, vector } from './blackbox/scorer.js';
import { segment } from './blackbox/segmentation.js';
import { costOf, type Method } from './types.js';

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
  async run(model, input, p, ctx) {
    const started = performance.now();
    const [n, c, h, w] = input.shape;
    const k = kernels();
    const baseline = baselineColour(p.baseline, c, ctx);
    const images = tensor(input.data, input.shape);
    const scorer = new Scorer(model, images, imagesPerCall(ctx));
    const maps = new MapBatch(n, c, h, w);
    const segs = await segment(images, input.shape, p.segmentation, p.n_segments, p.compactness).catch((e) => {
      images.dispose(); baseline.dispose(); throw e;
    });
    try {
      for (let i = 0; i < n; i++) {
        // rows: all on (f(x)), all off (f(baseline)), then S Bernoulli(0.5) coalitions
        const z = await native(() => k.binarySamples(input.seeds[i], p.S, segs.counts[i], 0.5, [1, 0]));
        const masks = madeByChunk(p.S + 2, (a, b) => native(() => k.segmentMasks(segs.labels, i, z, a, b)));
        const scores = await scorer.score(i, input.targets[i], masks, baseline, 'logit');
        const y = vector(scores);
        const phi = await native(() => k.kernelShapFit(z, y, scores[0], scores[1]));
        maps.setPlane(i, await native(() => k.segmentValues(segs.labels, i, phi)));
        z.dispose(); y.dispose(); phi.dispose();
      }
    } finally {
      images.dispose(); baseline.dispose(); segs.dispose();
    }
    return { maps: maps.data, shape: maps.shape, cost: costOf(scorer.forwardPasses, 0, started, n) };
  },
};
