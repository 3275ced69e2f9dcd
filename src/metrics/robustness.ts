/**
 * Robustness of attributions (SPEC.md section 6), as configured objects in the manner of Quantus:
 *
 *   const m = robustnessMetric('max_sensitivity', { samples: 16, radius: 0.02 });
 *   const r = await m.score(model, input, configure({ name: 'saliency' }), { seed: 0 });
 *   r[i].score;    // sample i's score (NaN when excluded or undefined, with r[i].reason)
 *   m.higherIsBetter; // false: every robustness metric here is a distance, lower is more robust
 *
 * Neighbours x' of each sample are x + U(-radius, radius) (sensitivities, RIS, ROS) or
 * x + N(0, lipschitzSigma^2) (local Lipschitz), drawn from the sample's own generator (seeded by
 * run seed, sample id, `neighbours:<noise>`, `robustness`), so every method sees the same
 * neighbours and results do not depend on batch size or resume. A neighbour whose top-1 differs
 * from the clean target is excluded (and counted) before it is attributed; the kept ones of a
 * batch are attributed as one (N*n)-row batch, with the method's own draws the clean image's
 * (common random numbers). The math is native (native/metrics/robustness.cpp).
 * `consistency` is a dataset-level metric (src/metrics/consistency.ts).
 */
import { parseWith } from '../config/validate.js';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { native, tensor, type Tensor, readTensor } from '../native.js';
import { argmax, nonFiniteRows, type Logits, type Model } from '../models/model.js';
import type { ConfiguredMethod } from '../methods/registry.js';
import { deriveSeed, seedsFor } from '../methods/seeds.js';
import type { Attribution, RunContext } from '../methods/types.js';
import { defaultThreads } from '../util/threads.js';
import type { Metric } from './metric.js';

export const ROBUSTNESS_METRICS = ['max_sensitivity', 'avg_sensitivity', 'local_lipschitz', 'ris', 'ros', 'consistency'] as const;
export type RobustnessName = (typeof ROBUSTNESS_METRICS)[number];
export type Noise = 'uniform' | 'gaussian';

export interface RobustnessInfo {
  higherIsBetter: boolean;
  /** The neighbourhood it is computed over; null for consistency (across samples of a label). */
  noise: Noise | null;
  describe: string;
}

export const ROBUSTNESS: Record<RobustnessName, RobustnessInfo> = {
  max_sensitivity: { higherIsBetter: false, noise: 'uniform', describe: 'max over neighbours of ||g(x) - g(x\')|| / ||g(x)|| (Yeh et al. 2019)' },
  avg_sensitivity: { higherIsBetter: false, noise: 'uniform', describe: 'mean over neighbours of ||g(x) - g(x\')|| / ||g(x)|| (Yeh et al. 2019)' },
  local_lipschitz: { higherIsBetter: false, noise: 'gaussian', describe: 'max over neighbours of ||g(x) - g(x\')|| / ||x - x\'|| (Alvarez-Melis & Jaakkola 2018)' },
  ris: { higherIsBetter: false, noise: 'uniform', describe: 'relative input stability (Agarwal et al. 2022)' },
  ros: { higherIsBetter: false, noise: 'uniform', describe: 'relative output stability, over logits (Agarwal et al. 2022)' },
  consistency: { higherIsBetter: true, noise: null, describe: 'mean pairwise cosine similarity of the maps of samples sharing a dataset label' },
};

export const RobustnessOptions = z.object({
  samples: z.number().int().min(1, 'must be an integer >= 1').default(16).describe('neighbours per sample and noise kind (SPEC n)'),
  radius: z.number().positive('must be > 0').default(0.02).describe('uniform noise radius in pixel space (SPEC r), for sensitivities, RIS and ROS'),
  lipschitzSigma: z.number().positive('must be > 0').default(0.1).describe('standard deviation of local Lipschitz\'s Gaussian noise'),
}).strict();
export type RobustnessOptions = z.infer<typeof RobustnessOptions>;

export function parseRobustnessMetrics(list: string | readonly string[]): RobustnessName[] {
  const names = (typeof list === 'string' ? list.split(',') : [...list]).map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UserError(`--metrics is empty: expected some of ${ROBUSTNESS_METRICS.join(', ')}`);
  for (const n of names) {
    if (!(ROBUSTNESS_METRICS as readonly string[]).includes(n)) throw new UserError(`robustness metric '${n}': expected one of ${ROBUSTNESS_METRICS.join(', ')}`);
  }
  if (new Set(names).size !== names.length) throw new UserError(`--metrics ${names.join(',')}: a metric is named twice`);
  return names as RobustnessName[];
}

/** The explained samples of a batch: pixels, clean targets and logits, stable ids. */
export interface Samples {
  data: Float32Array;
  shape: [number, number, number, number];
  ids: string[];
  targets: Int32Array;
  logits: Logits;
}

/** One sample's score: NaN with a reason when no neighbour was kept or the value is undefined. */
export interface SampleScore {
  score: number;
  used: number;
  excluded: number;
  status: 'kept' | 'excluded' | 'error';
  reason: string | null;
}

/** The neighbours of a batch, their logits, and which kept the clean prediction. */
export interface Neighbourhood {
  noise: Noise;
  n: number;
  scale: number;
  data: Float32Array;
  logits: Logits;
  /** (N*n) 1 where argmax f(x') = t (and the logits are finite). */
  keep: Uint8Array;
}

const threads = () => defaultThreads();

export function neighbourSeeds(runSeed: number, ids: readonly string[], noise: Noise): Uint32Array {
  return Uint32Array.from(ids, (id) => deriveSeed(runSeed, id, `neighbours:${noise}`, 'robustness'));
}

/** Draws (or takes, with `fixed` (N,n,C,H,W)) the neighbours of every sample and predicts them. */
export async function neighbourhood(model: Model, s: Samples, noise: Noise, n: number, scale: number, runSeed: number, fixed?: Float32Array): Promise<Neighbourhood> {
  const [N, c, h, w] = s.shape;
  const x = tensor(s.data, s.shape);
  const seeds = tensor(BigInt64Array.from(neighbourSeeds(runSeed, s.ids, noise), (v) => BigInt(v)), [N]);
  const f = fixed ? tensor(fixed, [N, n, c, h, w]) : null;
  let xn: Tensor | undefined;
  try {
    xn = (await native().metrics.neighbours(x, seeds, noise, n, scale, f, threads())).x;
    const data = readTensor(xn) as Float32Array;
    const logits = N ? await model.predict(data, [N * n, c, h, w]) : { data: new Float32Array(0), n: 0, classes: s.logits.classes };
    const pred = argmax(logits), bad = new Set(nonFiniteRows(logits));
    const keep = Uint8Array.from(pred, (p, r) => (!bad.has(r) && p === s.targets[Math.floor(r / n)] ? 1 : 0));
    return { noise, n, scale, data, logits, keep };
  } finally {
    x.dispose(); seeds.dispose(); f?.dispose(); xn?.dispose();
  }
}

function pick(data: Float32Array, per: number, rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * per);
  rows.forEach((r, j) => out.set(data.subarray(r * per, (r + 1) * per), j * per));
  return out;
}

/** Attributes the kept neighbours as one batch; rows not kept stay zero. Returns (N*n, ...) maps. */
export async function neighbourMaps(model: Model, s: Samples, nb: Neighbourhood, method: ConfiguredMethod, clean: Attribution, runSeed: number, ctx: RunContext): Promise<Float32Array> {
  const [N, c, h, w] = s.shape, per = c * h * w;
  const mapPer = clean.maps.length / Math.max(N, 1);
  const out = new Float32Array(N * nb.n * mapPer);
  const kept: number[] = [];
  nb.keep.forEach((k, r) => { if (k) kept.push(r); });
  if (kept.length === 0) return out;
  const seeds = seedsFor(runSeed, s.ids, 'none', method.method.name);
  const r = await method.method.run(model, {
    data: pick(nb.data, per, kept), shape: [kept.length, c, h, w],
    targets: Int32Array.from(kept, (i) => s.targets[Math.floor(i / nb.n)]),
    seeds: Uint32Array.from(kept, (i) => seeds[Math.floor(i / nb.n)]),
  }, method.params, ctx);
  kept.forEach((row, j) => out.set(r.maps.subarray(j * mapPer, (j + 1) * mapPer), row * mapPer));
  return out;
}

const finite = (a: Float32Array, from: number, to: number) => { for (let i = from; i < to; i++) if (!Number.isFinite(a[i])) return false; return true; };

/** Per-sample scores of neighbourhood metrics (all on nb's noise) for one method's clean and neighbour maps. */
export async function scoreNeighbourhood(metrics: RobustnessName[], s: Samples, nb: Neighbourhood, clean: Attribution, gn: Float32Array): Promise<Record<string, SampleScore[]>> {
  const [N, c, h, w] = s.shape;
  const mapShape = clean.shape.slice(1), mapPer = clean.maps.length / Math.max(N, 1);
  const t = {
    x: tensor(s.data, s.shape), xn: tensor(nb.data, [N * nb.n, c, h, w]),
    g: tensor(clean.maps, [N, ...mapShape]), gn: tensor(gn, [N * nb.n, ...mapShape]),
    l: tensor(s.logits.data, [N, s.logits.classes]), ln: tensor(nb.logits.data, [N * nb.n, nb.logits.classes]),
    keep: tensor(nb.keep, [N, nb.n]),
  };
  const out: Record<string, SampleScore[]> = {};
  try {
    for (const m of metrics) {
      const r = await native().metrics.robustness(m, t.x, t.xn, t.g, t.gn, t.l, t.ln, t.keep, threads());
      const scores = readTensor(r.scores) as Float64Array;
      r.values.dispose(); r.scores.dispose();
      out[m] = Array.from({ length: N }, (_, i) => {
        let used = 0;
        for (let j = 0; j < nb.n; j++) used += nb.keep[i * nb.n + j];
        const base = { used, excluded: nb.n - used };
        const cleanOk = finite(clean.maps, i * mapPer, (i + 1) * mapPer);
        if (!cleanOk) return { ...base, score: NaN, status: 'error' as const, reason: 'the map has NaN or infinite values' };
        if (used === 0) return { ...base, score: NaN, status: 'excluded' as const, reason: `all ${nb.n} neighbours changed the prediction` };
        if (!finite(gn, i * nb.n * mapPer, (i + 1) * nb.n * mapPer)) return { ...base, score: NaN, status: 'error' as const, reason: 'a neighbour\'s map has NaN or infinite values' };
        const score = scores[i];
        if (!Number.isFinite(score)) {
          const zero = clean.maps.subarray(i * mapPer, (i + 1) * mapPer).every((v) => v === 0);
          return { ...base, score: NaN, status: 'error' as const, reason: zero ? 'the clean map is zero, so the relative change is undefined' : `non-finite ${m}` };
        }
        return { ...base, score, status: 'kept' as const, reason: null };
      });
    }
  } finally {
    Object.values(t).forEach((v) => v.dispose());
  }
  return out;
}

export interface ScoreOptions {
  seed: number;
  ctx?: RunContext;
  /** Fixed noise (N,n,C,H,W) replacing the draws: to check against a formula or another tool. */
  noise?: Float32Array;
  /** The clean maps, when already computed. */
  clean?: Attribution;
}

/** A configured neighbourhood metric: its name, direction, options and per-sample scores. */
export interface RobustnessMetric extends Metric {
  readonly name: RobustnessName;
  readonly higherIsBetter: boolean;
  readonly options: RobustnessOptions;
  /** Noise kind and scale of its neighbourhood. */
  readonly noise: Noise;
  readonly scale: number;
  score(model: Model, input: { data: Float32Array; shape: [number, number, number, number]; ids: string[] }, method: ConfiguredMethod, opts: ScoreOptions): Promise<SampleScore[]>;
}

export function robustnessMetric(name: RobustnessName, options: Partial<RobustnessOptions> = {}): RobustnessMetric {
  const info = ROBUSTNESS[name];
  if (!info) throw new UserError(`robustness metric '${name}': expected one of ${ROBUSTNESS_METRICS.join(', ')}`);
  if (!info.noise) throw new UserError('consistency is computed across the samples of a label: use consistencyScores (src/metrics/consistency.ts)');
  const o = parseWith(RobustnessOptions, options, 'robustness options', 'option');
  const noise = info.noise, scale = noise === 'uniform' ? o.radius : o.lipschitzSigma;
  return {
    name, higherIsBetter: info.higherIsBetter, options: o, noise, scale,
    async score(model, input, method, opts) {
      const logits = await model.predict(input.data, input.shape);
      const s: Samples = { ...input, targets: argmax(logits), logits };
      const ctx = opts.ctx ?? {};
      const clean = opts.clean ?? await method.method.run(model, { data: s.data, shape: s.shape, targets: s.targets, seeds: seedsFor(opts.seed, s.ids, 'none', method.method.name) }, method.params, ctx);
      const nb = await neighbourhood(model, s, noise, o.samples, scale, opts.seed, opts.noise);
      const gn = await neighbourMaps(model, s, nb, method, clean, opts.seed, ctx);
      return (await scoreNeighbourhood([name], s, nb, clean, gn))[name];
    },
  };
}
