/**
 * The shape of an attribution method. Each method is one file under src/methods/, registered in
 * registry.ts; it declares what it needs from the model, whether it draws random numbers, its
 * parameters (SPEC.md section 2 names, with defaults, as a zod schema), and how to run on a batch.
 */
import type { z } from 'zod';
import type { Model } from '../models/model.js';

/** What a method needs from the model: gradients (TorchScript only), a layer, or forward passes only. */
export type Need = 'gradients' | 'layer' | 'forward';

export interface Cost {
  /** Images pushed through the model forward (a batch of 8 counts 8). */
  forwardPasses: number;
  /** Images pushed back through the model. */
  backwardPasses: number;
  seconds: number;
  /** Explained images per second. */
  imagesPerSecond: number;
}

export interface AttributionInput {
  /** (N, C, H, W) pixels in [0, 1]. */
  data: Float32Array;
  shape: [number, number, number, number];
  /** Class explained for each sample: the clean input's prediction (SPEC.md section 1). */
  targets: Int32Array;
  /** One seed per sample, derived from (run seed, sample id, perturbation, method): see seeds.ts. */
  seeds: Uint32Array;
}

export interface Attribution {
  /** (N, C', H, W): C' = C for input-space maps, 1 for Grad-CAM and other channel-less maps. */
  maps: Float32Array;
  shape: [number, number, number, number];
  cost: Cost;
  /** Per-sample side results, e.g. IG's completeness gap. */
  extras?: Record<string, Float32Array>;
}

export interface RunContext {
  /** Dataset mean colour per channel, for the `mean` baseline. */
  meanColour?: Float32Array;
  /** Most images per model call inside a method; halves and retries when memory runs out. */
  internalBatchSize?: number;
}

export interface Method<P = Record<string, unknown>> {
  readonly name: string;
  readonly describe: string;
  readonly needs: readonly Need[];
  readonly stochastic: boolean;
  /**
   * Whether a sample and its perturbed twin are explained with the same draws (common random
   * numbers, the default: a method's own noise is then not instability). false for `random`,
   * whose draws are seeded from the perturbation too.
   */
  readonly sharesDraws?: boolean;
  /** Parameters with SPEC.md's names and defaults. */
  readonly params: z.ZodType<P>;
  run(model: Model, input: AttributionInput, params: P, ctx: RunContext): Promise<Attribution>;
}

/** Builds the Cost of a run from its pass counts and start time. */
export function costOf(forwardPasses: number, backwardPasses: number, started: number, images: number): Cost {
  const seconds = (performance.now() - started) / 1000;
  return { forwardPasses, backwardPasses, seconds, imagesPerSecond: seconds > 0 ? images / seconds : Infinity };
}
