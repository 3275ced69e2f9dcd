/**
 * Similarity of two stacks of attribution maps, pair by pair, over a valid mask (SPEC.md section 5).
 *
 * A metric is a configured object, in the manner of Quantus: its name, its parsed parameters, its
 * direction (`higherIsBetter`), its range, and `score(a, b)` returning one score per pair. All
 * metrics of a call are computed natively in one pass over the batch (native/similarity/):
 *
 *   const metrics = parseMetrics('ssim,spearman,topk_jaccard,fass');
 *   const r = await similarity(a, b, { metrics, mask, reduce: 'sum' });
 *   r.ssim.scores;   // Float64Array, one per pair, NaN where degenerate
 *   r.ssim.reasons;  // (string | null)[], why a pair is NaN ('constant map a on the valid region', ...)
 *
 * Inputs are (N,C,H,W) or (N,H,W) stacks (native Tensors or typed arrays with a shape) reduced
 * over channels first (SPEC.md section 1). `none` stacks the C channels as rows, (N, C*H, W): the
 * rank metrics then see all C*H*W values, and SSIM filters the stacked image, so windows near a
 * channel boundary span two channels and the 5-pixel border is that of the whole stack.
 * The mask, nonzero = valid, is (N,H,W), (N,1,H,W), (H,W) for every pair, or with `none` also
 * (N,C,H,W). Scores are computed in float64 on the CPU, every pair independently of its batch.
 *
 * Over a mask: correlations and top-k use the valid pixels only (k from their count); SSIM scales
 * each map over its valid region, sets the rest to 0, and takes local statistics as weighted means
 * over each window's valid pixels, averaged over valid positions (Gaussian window: those at least
 * 5 px from the border). A pair identical on its mask scores 1 whatever lies outside.
 *
 * Degenerate pairs score NaN with a reason, never 0: 'empty valid region', 'constant map a on the
 * valid region' (spearman, pearson), 'map a is zero on the valid region' (cosine, l2), 'non-finite
 * values in map a on the valid region', 'no valid pixel inside the SSIM border (5 px)'; fass
 * carries its first NaN part's reason ('spearman: ...'). SSIM of a constant map is defined (it
 * scales to zeros, as the skimage reference does).
 */
import { z } from 'zod';
import { parseWith } from '../config/validate.js';
import { UserError } from '../errors.js';
import { native, tensor, type NativeSimilarityMetric, type NativeSimilarityResult, type Tensor, type TypedArray } from '../native.js';
import { defaultThreads } from '../util/threads.js';
import type { Metric } from './metric.js';

export const REDUCTIONS = ['sum', 'abs-sum', 'mean', 'l2', 'none'] as const;
/** Channel reduction (SPEC.md section 1). */
export type Reduction = (typeof REDUCTIONS)[number];
/** The channel reduction option, with SPEC.md section 1's default (sum); each use adds its own description. */
export const ReduceOption = z.enum(REDUCTIONS).default('sum');

const Frac = z.number().gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]');
const K = z.number().int('must be an integer >= 1').min(1, 'must be an integer >= 1');
const Window = z.enum(['gaussian', 'uniform']);

const SsimParams = z.object({ window: Window.default('gaussian') }).strict();
const SpearmanParams = z.object({ abs: z.boolean().default(false) }).strict();
const TopkParams = z.object({ signed: z.boolean().default(false), frac: Frac.optional(), k: K.optional() }).strict()
  .refine((p) => p.frac === undefined || p.k === undefined, { message: 'give frac or k, not both' });
const NoParams = z.object({}).strict();
const FassParams = z.object({
  window: Window.default('gaussian'), abs: z.boolean().default(false), signed: z.boolean().default(false),
  frac: Frac.optional(), k: K.optional(),
}).strict().refine((p) => p.frac === undefined || p.k === undefined, { message: 'give frac or k, not both' });

interface MetricInfo {
  higherIsBetter: boolean;
  range: readonly [number, number];
  describe: string;
  params: z.ZodType;
}

/** Every similarity metric by its SPEC.md name: direction, range, parameters. */
export const SIMILARITY_METRICS = {
  ssim: {
    higherIsBetter: true, range: [-1, 1], params: SsimParams,
    describe: 'mean SSIM of the min-max normalised maps; window gaussian (sigma 1.5, 11 x 11, 5 px border excluded, = skimage) or uniform (11 x 11 mean, zero padding: fass-paper)',
  },
  spearman: {
    higherIsBetter: true, range: [-1, 1], params: SpearmanParams,
    describe: 'Spearman rank correlation (average ranks for ties, = scipy.stats.spearmanr); abs: on |a|, |b| (spearman_abs)',
  },
  topk_jaccard: {
    higherIsBetter: true, range: [0, 1], params: TopkParams,
    describe: 'Jaccard index of the k largest |values| (signed: largest values), k = max(1, floor(frac x valid pixels)) (frac 0.1) or a count k; ties by index',
  },
  pearson: { higherIsBetter: true, range: [-1, 1], params: NoParams, describe: 'Pearson correlation' },
  cosine: { higherIsBetter: true, range: [-1, 1], params: NoParams, describe: 'cosine similarity' },
  l2: { higherIsBetter: false, range: [0, Infinity], params: NoParams, describe: '||a - b|| / ||a||' },
  fass: {
    higherIsBetter: true, range: [-1 / 3, 1], params: FassParams,
    describe: '(ssim + (spearman + 1)/2 + topk_jaccard) / 3, with those metrics\' parameters',
  },
} as const satisfies Record<string, MetricInfo>;

export type SimilarityMetricName = keyof typeof SIMILARITY_METRICS;
export const SIMILARITY_METRIC_NAMES = Object.keys(SIMILARITY_METRICS) as SimilarityMetricName[];

/** Shorthand names: a metric with preset parameters. */
const ALIASES: Record<string, { name: SimilarityMetricName } & Record<string, unknown>> = {
  spearman_abs: { name: 'spearman', abs: true },
};

/** Parameters after parsing, the union over metrics (each metric reads its own). */
export interface SimilarityParams {
  window?: 'gaussian' | 'uniform';
  abs?: boolean;
  signed?: boolean;
  frac?: number;
  k?: number;
}

/** A stack of maps: a native Tensor or a typed array with its shape, (N,C,H,W) or (N,H,W). */
export type MapsInput = Tensor | { data: Float32Array | Float64Array; shape: readonly number[] };
/** A valid mask, nonzero = valid: a native Tensor or a typed array with its shape. */
export type MaskInput = Tensor | { data: Uint8Array | Float32Array | Float64Array | Int32Array; shape: readonly number[] };

export interface ScoreOptions {
  mask?: MaskInput;
  /** Channel reduction of (N,C,H,W) stacks (default `sum`). */
  reduce?: Reduction;
  /** LibTorch threads (default: every core). */
  threads?: number;
}

export interface SimilarityOptions extends ScoreOptions {
  metrics: readonly (SimilarityMetric | MetricSpec)[];
}

/** A metric name (`spearman_abs` included) or `{name, key?, ...params}` (the --config form). */
export type MetricSpec = string | ({ name: string; key?: string } & Record<string, unknown>);

/** One metric's scores for a batch of pairs. */
export interface PairScores {
  metric: SimilarityMetric;
  /** One per pair, batch order; NaN where the pair is degenerate. */
  scores: Float64Array;
  /** One per pair: null, or why the score is NaN. */
  reasons: (string | null)[];
}

/** A configured metric. */
export interface SimilarityMetric extends Metric {
  readonly name: SimilarityMetricName;
  /** The result's name: `name`, `spearman_abs` for spearman with abs, or the spec's own key. */
  readonly key: string;
  readonly params: Readonly<SimilarityParams>;
  readonly higherIsBetter: boolean;
  readonly range: readonly [number, number];
  /** Scores every pair of a and b: one native call. */
  score(a: MapsInput, b: MapsInput, opts?: ScoreOptions): Promise<PairScores>;
}

/** Parses one metric spec; a bad name or parameter is a UserError naming it and what is accepted. */
export function similarityMetric(spec: MetricSpec): SimilarityMetric {
  const given = typeof spec === 'string' ? { name: spec.trim() } : spec;
  if (!given || typeof given !== 'object' || typeof given.name !== 'string') {
    throw new UserError(`similarity metric: expected a name or {name, ...parameters}, got ${JSON.stringify(spec)}`);
  }
  const alias = ALIASES[given.name];
  const { name: rawName, key: rawKey, ...rawParams } = alias ? { ...alias, ...given, name: alias.name } : given;
  if (!(rawName in SIMILARITY_METRICS)) {
    throw new UserError(`unknown similarity metric '${given.name}': expected one of ${[...SIMILARITY_METRIC_NAMES, ...Object.keys(ALIASES)].join(', ')}`);
  }
  const name = rawName as SimilarityMetricName;
  const info: MetricInfo = SIMILARITY_METRICS[name];
  const params = parseWith(info.params, rawParams, `similarity metric ${given.name}`, 'parameter') as SimilarityParams;
  if (rawKey !== undefined && (typeof rawKey !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(rawKey))) {
    throw new UserError(`similarity metric ${given.name}: key ${JSON.stringify(rawKey)} must be a word (letters, digits, _ . -)`);
  }
  const key = (rawKey as string | undefined) ?? (alias && given.name) ?? (name === 'spearman' && params.abs ? 'spearman_abs' : name);
  const metric: SimilarityMetric = {
    name, key, params, higherIsBetter: info.higherIsBetter, range: info.range,
    score: async (a, b, opts = {}) => (await similarity(a, b, { ...opts, metrics: [metric] }))[key],
  };
  return metric;
}

/** `a,b,c`, or a list of names and {name, ...} specs (the --config form). Keys must differ. */
export function parseMetrics(value: string | readonly unknown[]): SimilarityMetric[] {
  const specs: unknown[] = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean)
    : value.flatMap((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : [v]));
  if (specs.length === 0) throw new UserError(`name at least one similarity metric (${SIMILARITY_METRIC_NAMES.join(', ')}, spearman_abs)`);
  const metrics = specs.map((s) => similarityMetric(s as MetricSpec));
  const seen = new Set<string>();
  for (const m of metrics) {
    if (seen.has(m.key)) throw new UserError(`similarity metric '${m.key}' is named twice (give one of them a key)`);
    seen.add(m.key);
  }
  return metrics;
}

/** The engine's view of a metric. */
function toNative(m: SimilarityMetric): NativeSimilarityMetric {
  const p = m.params;
  return { name: m.name, key: m.key, window: p.window, abs: p.abs, signed: p.signed, frac: p.frac ?? 0.1, k: p.k ?? 0 };
}

function isTensor(x: unknown): x is Tensor {
  return typeof (x as Tensor).toTypedArray === 'function';
}

interface NativeError extends Error { code?: string }

/**
 * Scores every pair (a[i], b[i]) for every metric in one native call. Returns the scores by metric
 * key. Shape errors (a and b differ, a mask that does not fit, maps smaller than the Gaussian SSIM
 * window) are UserErrors naming the shapes.
 */
export async function similarity(a: MapsInput, b: MapsInput, opts: SimilarityOptions): Promise<Record<string, PairScores>> {
  const metrics = opts.metrics.map((m) => (typeof m === 'object' && 'score' in m && typeof m.score === 'function' ? m as SimilarityMetric : similarityMetric(m as MetricSpec)));
  const keys = new Set<string>();
  for (const m of metrics) {
    if (keys.has(m.key)) throw new UserError(`similarity metric '${m.key}' is named twice (give one of them a key)`);
    keys.add(m.key);
  }
  const reduce = opts.reduce ?? 'sum';
  if (!REDUCTIONS.includes(reduce)) throw new UserError(`channel reduction '${reduce}' is not known: expected ${REDUCTIONS.join(', ')}`);
  const made: Tensor[] = [];
  const own = (x: { data: TypedArray; shape: readonly number[] }, what: string): Tensor => {
    const count = x.shape.reduce((p, q) => p * q, 1);
    if (count !== x.data.length) throw new UserError(`${what}: ${x.data.length} values do not fill shape [${x.shape.join(', ')}]`);
    const t = tensor(x.data, x.shape);
    made.push(t);
    return t;
  };
  try {
    const ta = isTensor(a) ? a : own(a, 'maps a');
    const tb = isTensor(b) ? b : own(b, 'maps b');
    let tm: Tensor | null = null;
    if (opts.mask) {
      if (isTensor(opts.mask)) tm = opts.mask;
      else {
        let m = opts.mask;
        // One (H,W) mask for every pair.
        if (m.shape.length === 2 && ta.shape.length >= 3) m = repeatMask(m, ta.shape[0]);
        tm = own(m, 'mask');
      }
    }
    let r: NativeSimilarityResult;
    try {
      r = await native().similarity(ta, tb, tm, metrics.map(toNative), reduce, opts.threads ?? defaultThreads());
    } catch (e) {
      const err = e as NativeError;
      if (err?.code === 'E_FASS_SHAPE' || err?.code === 'E_FASS_USER') throw new UserError(err.message);
      throw e;
    }
    return Object.fromEntries(metrics.map((m) => [m.key, { metric: m, scores: r[m.key].scores, reasons: r[m.key].reasons }]));
  } finally {
    for (const t of made) t.dispose();
  }
}

function repeatMask(m: { data: Uint8Array | Float32Array | Float64Array | Int32Array; shape: readonly number[] }, n: number) {
  const hw = m.data.length;
  const out = new Uint8Array(n * hw);
  for (let i = 0; i < hw; i++) if (m.data[i] !== 0) for (let j = 0; j < n; j++) out[j * hw + i] = 1;
  return { data: out, shape: [n, ...m.shape] };
}

/** Summary of one metric over a batch: NaN scores are left out of the mean and listed with their reason. */
export interface MetricSummary {
  /** Mean over the valid (non-NaN) scores; NaN when there are none. */
  mean: number;
  n_valid: number;
  degenerate: { index: number; reason: string }[];
}

export function summarise(s: Pick<PairScores, 'scores' | 'reasons'>): MetricSummary {
  let sum = 0, n = 0;
  const degenerate: { index: number; reason: string }[] = [];
  s.scores.forEach((v, i) => {
    if (Number.isNaN(v)) degenerate.push({ index: i, reason: s.reasons[i] ?? 'NaN' });
    else { sum += v; n++; }
  });
  return { mean: n ? sum / n : NaN, n_valid: n, degenerate };
}
