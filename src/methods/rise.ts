/**
 * rise (Petsiuk et al. 2018): N random masks, each an s x s grid of Bernoulli(p) cells
 * bilinearly upsampled to (s+1) cells and cropped at a random shift; the map is
 * sum_i f_t(x * M_i) M_i / (N p) with f_t the target's softmax probability. The map has no
 * channels: shape (N,1,H,W).
 */
import { z } from 'zod';
import { UserError } from '../errors.js';
import { tensor, type Tensor } from '../native.js';
import { imagesPerCall } from './blackbox/params.js';
import { kernels, nativeCall, vector } from './blackbox/kernels.js';
import { MapBatch } from './blackbox/maps.js';
import { Scorer, forEachSample, madeByChunk } from './blackbox/scorer.js';
import { costOf, type Method } from './types.js';

const Params = z.object({
  N: z.number().int().min(1, { error: 'must be an integer >= 1' }).default(1000),
  /** Grid cells per side; default 7, or 4 when H or W is below 64 pixels. */
  s: z.number().int().min(1, { error: 'must be an integer >= 1' }).optional(),
  p: z.number().gt(0, { error: 'must lie in (0, 1]' }).max(1, { error: 'must lie in (0, 1]' }).default(0.5),
}).strict();
export type RiseParams = z.infer<typeof Params>;

export function riseGrid(p: RiseParams, h: number, w: number): number {
  const s = p.s ?? (Math.min(h, w) < 64 ? 4 : 7);
  if (s > Math.min(h, w)) throw new UserError(`rise s = ${s}: the grid has more cells than the image (${h}x${w}) has pixels per side; expected 1 <= s <= ${Math.min(h, w)}`);
  return s;
}

export const rise: Method<RiseParams> = {
  name: 'rise',
  describe: 'mean of random smooth masks weighted by the target probability of the masked input',
  needs: ['forward'],
  stochastic: true,
  params: Params,
  async run(model, input, p, ctx) {
    const started = performance.now();
    const [n, c, h, w] = input.shape;
    const s = riseGrid(p, h, w);
    const k = kernels();
    const black = tensor(new Float32Array(c), [c]);  // x * M: removed pixels go to 0
    const images = tensor(input.data, input.shape);
    const scorer = new Scorer(model, images, imagesPerCall(ctx));
    const maps = new MapBatch(n, 1, h, w);
    try {
      await forEachSample(n, scorer.inFlight, async (i) => {
        const draws = await nativeCall(() => k.riseDraws(input.seeds[i], p.N, s, p.p, h, w));
        const masks = madeByChunk(p.N, (a, b) => nativeCall(() => k.riseMasks(draws.grids, draws.shifts, a, b, h, w)));
        // sum_i f_t(x * M_i) M_i, accumulated in float64 a chunk of masks at a time
        const sum: { acc: Tensor | null } = { acc: null };
        try {
          await scorer.score(i, input.targets[i], masks, black, 'probability', async (chunk, scores) => {
            const sc = vector(scores);
            const next = await nativeCall(() => k.accumulateMasks(sum.acc, sc, chunk.keep));
            sum.acc?.dispose(); sc.dispose();
            sum.acc = next;
          });
          maps.setPlane(i, sum.acc!, 1 / (p.N * p.p));  // takes the sum (and disposes it)
          sum.acc = null;
        } finally {
          sum.acc?.dispose(); draws.grids.dispose(); draws.shifts.dispose();
        }
      });
    } finally {
      images.dispose(); black.dispose();
    }
    return { maps: maps.data, shape: maps.shape, cost: costOf(scorer.forwardPasses, 0, started, n) };
  },
};
