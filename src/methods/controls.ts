/**
 * Control methods (issue 15), the two ends every stability score is read against:
 * - `random`: an i.i.d. uniform map per call, its draws seeded from (sample, perturbation, method)
 *   and not shared between a sample and its twin: the floor of every metric;
 * - `input`: the image itself (reduced over channels like any map): model-blind by construction,
 *   what a map gets for following the image alone.
 * Neither calls the model, so both run on TorchScript and ONNX models alike.
 */
import { z } from 'zod';
import { prng } from '../util/prng.js';
import { costOf, type Method } from './types.js';

const NoParams = z.object({}).strict();

export const random: Method<z.infer<typeof NoParams>> = {
  name: 'random',
  describe: 'control: i.i.d. uniform values, drawn anew for every sample and perturbation',
  needs: [],
  stochastic: true,
  sharesDraws: false,
  params: NoParams,
  run: async (_model, input) => {
    const started = performance.now();
    const [n, c, h, w] = input.shape, per = c * h * w;
    const maps = new Float32Array(n * per);
    for (let i = 0; i < n; i++) {
      const next = prng(input.seeds[i]);
      for (let j = 0; j < per; j++) maps[i * per + j] = next();
    }
    return { maps, shape: input.shape, cost: costOf(0, 0, started, n) };
  },
};

export const input: Method<z.infer<typeof NoParams>> = {
  name: 'input',
  describe: 'control: the image itself, blind to the model',
  needs: [],
  stochastic: false,
  params: NoParams,
  run: async (_model, x) => {
    const started = performance.now();
    return { maps: Float32Array.from(x.data), shape: x.shape, cost: costOf(0, 0, started, x.shape[0]) };
  },
};
