/**
 * Faithfulness (SPEC.md section 8): deletion and insertion (Petsiuk et al. 2018), as configured
 * objects:
 *
 *   const del = faithfulnessMetric('deletion');            // higherIsBetter: false
 *   const r = await del.score(model, input, maps);         // per-sample AUCs and curves
 *
 * Pixels are ordered by the channel-reduced map (`reduce`, default sum), descending, ties by lower
 * index; every `step` pixels (default H: one row's worth) deletion sets them to 0 in all channels,
 * starting from x, and insertion reveals them over a Gaussian-blurred x (kernel 11, sigma 5, the
 * shared filter); the curve is the softmax probability of the clean target at steps 0..K, and the
 * score its trapezoid area over the fraction of pixels changed, [0, 1]. The step images of a batch
 * go through the model natively, (N*(K+1)) rows in chunks (native/metrics/faithfulness.cpp);
 * TorchScript models only.
 */
import { parseWith } from '../config/validate.js';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { native, tensor, readTensor } from '../native.js';
import type { Model } from '../models/model.js';
import { TorchModel, fromNative } from '../models/torch-model.js';
import { ReduceOption } from './similarity.js';
import type { Metric } from './metric.js';

export const FAITHFULNESS_METRICS = ['deletion', 'insertion'] as const;
export type FaithfulnessName = (typeof FAITHFULNESS_METRICS)[number];

export const FAITHFULNESS: Record<FaithfulnessName, { higherIsBetter: boolean; describe: string }> = {
  deletion: { higherIsBetter: false, describe: 'area under the target probability as the top pixels are set to 0' },
  insertion: { higherIsBetter: true, describe: 'area under the target probability as the top pixels are revealed over a blurred image' },
};

export const FaithfulnessOptions = z.object({
  reduce: ReduceOption.refine((r) => r !== 'none', 'pixels are ordered by a reduced map: expected sum, abs-sum, mean or l2')
    .describe('channel reduction that orders the pixels'),
  step: z.number().int().min(1, 'must be an integer >= 1').optional().describe('pixels per step (default: the image height, one row\'s worth)'),
  blurSigma: z.number().positive('must be > 0').default(5).describe('insertion\'s blurred start image: Gaussian sigma'),
  blurKernel: z.number().int().min(1, 'must be an integer >= 1').default(11).describe('insertion\'s blurred start image: kernel size'),
}).strict();
export type FaithfulnessOptions = z.infer<typeof FaithfulnessOptions>;

export function parseFaithfulnessMetrics(list: string | readonly string[]): FaithfulnessName[] {
  const names = (typeof list === 'string' ? list.split(',') : [...list]).map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UserError(`--metrics is empty: expected some of ${FAITHFULNESS_METRICS.join(', ')}`);
  for (const n of names) {
    if (!(FAITHFULNESS_METRICS as readonly string[]).includes(n)) throw new UserError(`faithfulness metric '${n}': expected one of ${FAITHFULNESS_METRICS.join(', ')}`);
  }
  if (new Set(names).size !== names.length) throw new UserError(`--metrics ${names.join(',')}: a metric is named twice`);
  return names as FaithfulnessName[];
}

export interface Curves {
  /** AUC per sample. */
  auc: Float64Array;
  /** (N, steps + 1) target probabilities, row-major. */
  probs: Float64Array;
  steps: number;
  forwardPasses: number;
}

export interface FaithfulnessMetric extends Metric {
  readonly name: FaithfulnessName;
  readonly higherIsBetter: boolean;
  readonly options: FaithfulnessOptions;
  /** maps (N,C',H,W) with the images' H and W; targets: the classes explained. */
  score(model: Model, input: { data: Float32Array; shape: [number, number, number, number]; targets: Int32Array },
    maps: { maps: Float32Array; shape: [number, number, number, number] }): Promise<Curves>;
}

export function faithfulnessMetric(name: FaithfulnessName, options: Partial<FaithfulnessOptions> = {}): FaithfulnessMetric {
  if (!FAITHFULNESS[name]) throw new UserError(`faithfulness metric '${name}': expected one of ${FAITHFULNESS_METRICS.join(', ')}`);
  const o = parseWith(FaithfulnessOptions, options, 'faithfulness options', 'option');
  return {
    name, higherIsBetter: FAITHFULNESS[name].higherIsBetter, options: o,
    async score(model, input, maps) {
      if (!(model instanceof TorchModel)) {
        throw new UserError(`${name} runs the model natively, which needs a TorchScript model; ${model.path} is an ${model.kind} model`);
      }
      const [n, , h, w] = input.shape;
      if (maps.shape[0] !== n || maps.shape[2] !== h || maps.shape[3] !== w) {
        throw new UserError(`${name}: maps of shape (${maps.shape.join(', ')}) for images (${input.shape.join(', ')}): the maps need the images' height and width (Grad-CAM: upsample bilinear)`);
      }
      const x = tensor(input.data, input.shape), m = tensor(maps.maps, maps.shape);
      const t = tensor(BigInt64Array.from(input.targets, (v) => BigInt(v)), [n]);
      try {
        const r = await native().metrics.insertionDeletion(model.handle, name, x, m, t,
          { reduce: o.reduce, step: o.step ?? h, blurSigma: o.blurSigma, blurKernel: o.blurKernel }, model.threads);
        const out = { auc: readTensor(r.auc) as Float64Array, probs: readTensor(r.probs) as Float64Array, steps: r.probs.shape[1] - 1, forwardPasses: r.forward };
        r.auc.dispose(); r.probs.dispose();
        return out;
      } catch (e) {
        throw fromNative(e);
      } finally {
        x.dispose(); m.dispose(); t.dispose();
      }
    },
  };
}
