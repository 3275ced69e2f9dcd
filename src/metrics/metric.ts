/**
 * What every metric of fass is, whatever it scores (a pair of maps, a map's neighbourhood, a
 * deletion curve, a sample's GAN neighbours): a name, its parameters and its direction. Each
 * family declares its metrics' directions once, in its registry (SIMILARITY_METRICS, ROBUSTNESS,
 * FAITHFULNESS, OSR_METRICS, SANITY_METRIC); `higherIsBetter` finds any of them by name, and `rankMethods`
 * (ranking.ts) is the one ranking every summary and comparison uses.
 */
import { FAITHFULNESS } from './faithfulness.js';
import { OSR_METRICS } from './osr.js';
import { ROBUSTNESS } from './robustness.js';
import { SIMILARITY_METRICS } from './similarity.js';

/** A configured metric: each family's configured objects (SimilarityMetric, RobustnessMetric, ...) are one. */
export interface Metric {
  readonly name: string;
  /** true: a larger score is better (more stable, more faithful). */
  readonly higherIsBetter: boolean;
}

/**
 * Model-parameter randomisation (`fass sanity`): the similarity of a method's map of the
 * randomised model to its map of the trained one. Lower is better: the map depends on what the
 * model learned.
 */
export const SANITY_METRIC = {
  randomisation: { higherIsBetter: false, describe: 'Spearman of |map| of the fully randomised model against the trained one (Adebayo et al. 2018)' },
} as const;

const REGISTRIES: readonly Record<string, { higherIsBetter: boolean }>[] = [SIMILARITY_METRICS, ROBUSTNESS, FAITHFULNESS, OSR_METRICS, SANITY_METRIC];

/** The declared direction of the metric `name` (similarity, robustness, faithfulness or OSR). */
export function higherIsBetter(name: string): boolean {
  for (const r of REGISTRIES) if (Object.hasOwn(r, name)) return r[name].higherIsBetter;
  throw new Error(`no metric named '${name}' declares a direction`);
}
