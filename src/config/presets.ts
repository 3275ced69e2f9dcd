/**
 * Run presets (SPEC.md section 9). `default`: everything as SPEC.md writes it. `fass-paper`: the
 * FASS paper's code — its perturbations, channel reduction `none`, SSIM with the uniform window,
 * top-k Jaccard with k = 100 signed, and its method parameters.
 */
import { UserError } from '../errors.js';
import { configure, type ConfiguredMethod } from '../methods/registry.js';
import { parseMetrics, type Reduction, type SimilarityMetric } from '../metrics/similarity.js';
import { preset as perturbationPreset, type PerturbationSpec } from '../perturb/index.js';

export const RUN_PRESETS = ['default', 'fass-paper'] as const;
export type RunPreset = (typeof RUN_PRESETS)[number];

/** Method parameters the fass-paper preset sets (a method named without parameters gets these). */
const PAPER_METHODS: Record<string, Record<string, unknown>> = {
  integrated_gradients: { n_steps: 50, method: 'gausslegendre', baseline: 'mean' },
  gradient_shap: { n_samples: 5, stdev: 0, baselines: ['mean'] },
  gradcam: { relu: false },
  lime: { S: 50 },
};

export interface PresetValues {
  perturbations: PerturbationSpec[];
  metrics: SimilarityMetric[];
  reduce: Reduction;
}

export function presetValues(name: string): PresetValues {
  if (name === 'default') {
    return {
      perturbations: perturbationPreset('default'),
      metrics: parseMetrics(['ssim', 'spearman', 'topk_jaccard', 'fass', 'pearson', 'cosine', 'l2']),
      reduce: 'sum',
    };
  }
  if (name === 'fass-paper') {
    return {
      perturbations: perturbationPreset('fass-paper'),
      metrics: parseMetrics([
        { name: 'ssim', window: 'uniform' }, 'spearman', { name: 'topk_jaccard', k: 100, signed: true },
        { name: 'fass', window: 'uniform', k: 100, signed: true }, 'pearson', 'cosine', 'l2',
      ]),
      reduce: 'none',
    };
  }
  throw new UserError(`--preset ${name}: expected ${RUN_PRESETS.join(' or ')}`);
}

/** Methods named by --methods, with the preset's parameters under any the user gave. */
export function presetMethods(name: string, specs: ({ name: string } & Record<string, unknown>)[]): ConfiguredMethod[] {
  return specs.map((s) => configure(name === 'fass-paper' ? { ...(PAPER_METHODS[s.name] ?? {}), ...s } : s));
}
