/**
 * Two stacks of maps from .npy files scored pair by pair (SPEC.md section 5), with an optional
 * valid mask: what `fass compare` computes. The shape rules of maps and masks live here.
 */
import { z } from 'zod';
import { Threads } from '../config/options.js';
import { UserError } from '../errors.js';
import {
  parseMetrics, ReduceOption, SIMILARITY_METRIC_NAMES, similarity, type MetricSpec, type PairScores, type Reduction, type SimilarityMetric,
} from '../metrics/similarity.js';
import { readNpy, type NpyArray } from '../util/npy.js';

export const CompareMapsOptions = z.object({
  threads: Threads,
  a: z.string().min(1).describe('maps a: .npy, (N,C,H,W) or (N,H,W)'),
  b: z.string().min(1).describe('maps b: .npy of the same shape'),
  mask: z.string().min(1).optional().describe('.npy valid mask, nonzero = valid: (N,H,W), (N,1,H,W) or (H,W) for every pair; with --reduce none also (N,C,H,W)'),
  metrics: z.any().default('ssim,spearman,topk_jaccard').describe(`comma-separated metrics (${SIMILARITY_METRIC_NAMES.join(', ')}, spearman_abs); with parameters: a metrics list in --config`),
  reduce: ReduceOption.describe('channel reduction of (N,C,H,W) maps; none stacks the channels as rows, (N, C*H, W)'),
  topkFrac: z.number().gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]').optional().describe('topk_jaccard, fass: k = max(1, floor(frac x valid pixels)) (default 0.1)'),
  topkK: z.number().int('must be an integer >= 1').min(1, 'must be an integer >= 1').optional().describe('topk_jaccard, fass: a fixed k instead of --topk-frac'),
  topkSigned: z.boolean().optional().describe('topk_jaccard, fass: the largest values rather than the largest |values|'),
  ssimWindow: z.enum(['gaussian', 'uniform']).optional().describe('ssim, fass: gaussian (sigma 1.5, = skimage; default) or uniform (11 x 11 mean, zero padding: fass-paper)'),
});
export type CompareMapsOptions = z.infer<typeof CompareMapsOptions>;

export async function compareMaps(o: CompareMapsOptions): Promise<{ metrics: SimilarityMetric[]; scores: Record<string, PairScores>; shape: number[]; n: number }> {
  const metrics = parseMetrics(metricSpecs(o.metrics, o));
  const mapsA = readMaps(o.a, 'maps a');
  const mapsB = readMaps(o.b, 'maps b');
  if (mapsA.shape.join(',') !== mapsB.shape.join(',')) {
    throw new UserError(`shape mismatch: ${o.a} has shape ${shapeText(mapsA.shape)}, ${o.b} has shape ${shapeText(mapsB.shape)}; the two stacks must have the same shape`);
  }
  const mask = o.mask ? readMask(o.mask, mapsA.shape, o.reduce) : undefined;
  const scores = await similarity(mapsA, mapsB, { metrics, mask, reduce: o.reduce as Reduction, threads: o.threads });
  return { metrics, scores, shape: mapsA.shape, n: mapsA.shape[0] };
}

/** A valid mask that fits maps of `shape`: (N,H,W), (N,1,H,W), (H,W), or with reduce none (N,C,H,W). */
function readMask(path: string, shape: number[], reduce: string): { data: Uint8Array | Float32Array | Float64Array | Int32Array; shape: number[] } {
  const [n] = shape;
  const c = shape.length === 4 ? shape[1] : 1;
  const [h, w] = shape.slice(-2);
  const m = readNpy(path);
  const ok = [[n, h, w], [n, 1, h, w], [h, w], ...(reduce === 'none' ? [[n, c, h, w]] : [])];
  if (!ok.some((s) => s.join(',') === m.shape.join(','))) {
    throw new UserError(`shape mismatch: the mask ${path} has shape ${shapeText(m.shape)}, the maps ${shapeText(shape)}; expected ${ok.map(shapeText).join(', ')}`);
  }
  return { data: m.dtype === 'int64' ? Uint8Array.from(m.data, (v) => (v !== 0n ? 1 : 0)) : m.data, shape: m.shape };
}

/** A .npy of maps as float32 or float64 values with its shape. */
function readMaps(path: string, what: string): { data: Float32Array | Float64Array; shape: number[] } {
  const m = readNpy(path);
  if (m.shape.length !== 3 && m.shape.length !== 4) {
    throw new UserError(`${what} ${path}: shape (${m.shape.join(', ')}) is not a stack of maps: expected (N,C,H,W) or (N,H,W)`);
  }
  return { data: asFloat(m), shape: m.shape };
}

function asFloat(m: NpyArray): Float32Array | Float64Array {
  if (m.dtype === 'float32' || m.dtype === 'float64') return m.data;
  if (m.dtype === 'int64') return Float64Array.from(m.data, Number);
  return Float64Array.from(m.data);
}

const shapeText = (s: readonly number[]) => `(${s.join(', ')})`;

/** Metric specs from --metrics / --config, with the --topk-* and --ssim-window flags as defaults. */
function metricSpecs(value: unknown, a: CompareMapsOptions): MetricSpec[] {
  const raw: unknown[] = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean)
    : Array.isArray(value) ? value.flatMap((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : [v])) : [value];
  return raw.map((s) => {
    const spec = (typeof s === 'string' ? { name: s } : s) as { name: string } & Record<string, unknown>;
    if (!spec || typeof spec !== 'object' || typeof spec.name !== 'string') return s as MetricSpec;
    const out: { name: string } & Record<string, unknown> = { ...spec };
    const base = out.name === 'spearman_abs' ? 'spearman' : out.name;
    if (base === 'topk_jaccard' || base === 'fass') {
      if (out.frac === undefined && out.k === undefined) {
        if (a.topkK !== undefined) out.k = a.topkK;
        else if (a.topkFrac !== undefined) out.frac = a.topkFrac;
      }
      if (out.signed === undefined && a.topkSigned !== undefined) out.signed = a.topkSigned;
    }
    if ((base === 'ssim' || base === 'fass') && out.window === undefined && a.ssimWindow !== undefined) out.window = a.ssimWindow;
    return out;
  });
}

