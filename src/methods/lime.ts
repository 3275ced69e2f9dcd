/**
 * lime (Ribeiro et al. 2016), image explainer: superpixels; S binary rows z, the first all ones
 * (the image itself, as LIME's own first sample) and the rest Bernoulli(0.5); composites fill
 * off-segments with the baseline; a ridge of f_t (the target logit) on z, weighted by
 * sqrt(exp(-d^2 / width^2)) with d the cosine distance of z to all ones. Each pixel gets its
 * segment's coefficient, in every channel.
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
  S: z.number().int().min(2, { error: 'must be an integer >= 2' }).default(256),
  ...SegmentationParams,
  baseline: BaselineName.default('mean'),
  /** Ridge penalty (sklearn's alpha, LIME's default 1). */
  alpha: z.number().min(0, { error: 'must be >= 0' }).default(1),
  /** Width of LIME's exponential kernel on the cosine distance (LIME's image default 0.25). */
  kernel_width: z.number().positive({ error: 'must be > 0' }).default(0.25),
}).strict();
export type LimeParams = z.infer<typeof Params>;

export const lime: Method<LimeParams> = {
  name: 'lime',
  describe: 'coefficients of a locally weighted ridge surrogate over superpixels',
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
        const z = await native(() => k.binarySamples(input.seeds[i], p.S - 1, segs.counts[i], 0.5, [1]));
        const masks = madeByChunk(p.S, (a, b) => native(() => k.segmentMasks(segs.labels, i, z, a, b)));
        const y = vector(await scorer.score(i, input.targets[i], masks, baseline, 'logit'));
        const fit = await native(() => k.limeFit(z, y, p.alpha, p.kernel_width));
        maps.setPlane(i, await native(() => k.segmentValues(segs.labels, i, fit.coef)));
        z.dispose(); y.dispose(); fit.coef.dispose();
      }
    } finally {
      images.dispose(); baseline.dispose(); segs.dispose();
    }
    return { maps: maps.data, shape: maps.shape, cost: costOf(scorer.forwardPasses, 0, started, n) };
  },
};
