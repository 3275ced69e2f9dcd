/**
 * occlusion (Zeiler & Fergus 2014), as Captum's Occlusion computes it: a window spanning all
 * channels slides over the image; each position scores f_t(x) - f_t(x with the window set to the
 * baseline), and each pixel averages the positions covering it. Windows past the last full
 * position are clipped at the border, as Captum's are.
 */
import { z } from 'zod';
import { UserError } from '../errors.js';
import { tensor } from '../native.js';
import { BaselineName, baselineColour, imagesPerCall } from './blackbox/params.js';
import { kernels, nativeCall, vector } from './blackbox/kernels.js';
import { MapBatch } from './blackbox/maps.js';
import { Scorer, allAtOnce, forEachSample } from './blackbox/scorer.js';
import { costOf, type Method } from './types.js';

/** A size in pixels: one number for both axes, or [height, width]. */
const Size = z.union([
  z.number().int().min(1),
  z.tuple([z.number().int().min(1), z.number().int().min(1)]),
], { error: 'expected an integer >= 1, or [height, width]' });

const Params = z.object({
  /** Default: 1/7 of H and of W, rounded, at least 1. */
  window: Size.optional(),
  /** Default: half the window (rounded down), at least 1. */
  stride: Size.optional(),
  baseline: BaselineName.default('black'),
}).strict();
export type OcclusionParams = z.infer<typeof Params>;

const pair = (s: number | [number, number]): [number, number] => (typeof s === 'number' ? [s, s] : s);

/** The window and stride for an H x W image, checked as Captum checks them. */
export function occlusionGeometry(p: OcclusionParams, h: number, w: number): { window: [number, number]; stride: [number, number] } {
  const window = p.window !== undefined ? pair(p.window) : [Math.max(1, Math.round(h / 7)), Math.max(1, Math.round(w / 7))] as [number, number];
  const stride = p.stride !== undefined ? pair(p.stride) : [Math.max(1, Math.floor(window[0] / 2)), Math.max(1, Math.floor(window[1] / 2))] as [number, number];
  if (window[0] > h || window[1] > w) {
    throw new UserError(`occlusion window ${window.join('x')} is larger than the image (${h}x${w}); expected at most ${h}x${w}`);
  }
  for (const [axis, size] of [[0, h], [1, w]] as const) {
    // Captum's rule: a stride longer than the window would leave pixels no window covers.
    if (window[axis] < size && stride[axis] > window[axis]) {
      throw new UserError(`occlusion stride ${stride.join('x')} is longer than the window ${window.join('x')}; expected a stride of at most the window`);
    }
  }
  return { window, stride };
}

export const occlusion: Method<OcclusionParams> = {
  name: 'occlusion',
  describe: 'mean drop of the target logit when a sliding window covering the pixel is set to the baseline',
  needs: ['forward'],
  stochastic: false,
  params: Params,
  async run(model, input, p, ctx) {
    const started = performance.now();
    const [n, c, h, w] = input.shape;
    const { window, stride } = occlusionGeometry(p, h, w);
    const baseline = baselineColour(p.baseline, c, ctx);
    const images = tensor(input.data, input.shape);
    const masks = await nativeCall(() => kernels().occlusionMasks(h, w, window[0], window[1], stride[0], stride[1]));
    const scorer = new Scorer(model, images, imagesPerCall(ctx));
    const maps = new MapBatch(n, c, h, w);
    try {
      await forEachSample(n, scorer.inFlight, async (i) => {
        // mask row 0 keeps everything: f_t(x) comes from the same calls as the windows'
        const scores = vector(await scorer.score(i, input.targets[i], allAtOnce(masks), baseline, 'logit'));
        maps.setPlane(i, await nativeCall(() => kernels().occlusionAverage(scores, masks)));
        scores.dispose();
      });
    } finally {
      images.dispose(); masks.dispose(); baseline.dispose();
    }
    return { maps: maps.data, shape: maps.shape, cost: costOf(scorer.forwardPasses, 0, started, n) };
  },
};
