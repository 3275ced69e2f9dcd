/**
 * fass compare A.npy B.npy [--mask M.npy] --metrics ssim,spearman,topk_jaccard: per-pair similarity
 * of two stacks of maps (SPEC.md section 5), with each metric's mean and its degenerate pairs.
 */
import type { Argv } from 'yargs';
import { z } from 'zod';
import { Output, Threads, validate } from '../config/options.js';
import { UserError } from '../errors.js';
import {
  parseMetrics, REDUCTIONS, SIMILARITY_METRIC_NAMES, similarity, summarise, type MetricSpec, type Reduction,
} from '../metrics/similarity.js';
import { readNpy, type NpyArray } from '../util/npy.js';
import { outputOptions, run, threadsOption } from './common.js';
import { table } from './output.js';

const Args = Output.extend({
  threads: Threads,
  a: z.string().min(1),
  b: z.string().min(1),
  mask: z.string().min(1).optional(),
  reduce: z.enum(REDUCTIONS).default('sum'),
  topkFrac: z.number().gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]').optional(),
  topkK: z.number().int('must be an integer >= 1').min(1, 'must be an integer >= 1').optional(),
  topkSigned: z.boolean().optional(),
  ssimWindow: z.enum(['gaussian', 'uniform']).optional(),
}).refine((a) => a.topkFrac === undefined || a.topkK === undefined, { message: 'give --topk-frac or --topk-k, not both', path: ['topkK'] });

export const command = 'compare <a> <b>';
export const describe = 'per-pair similarity (ssim, spearman, topk_jaccard, pearson, cosine, l2, fass) of two stacks of maps (scored on the CPU)';

export function builder(y: Argv) {
  return threadsOption(outputOptions(y))
    .positional('a', { type: 'string', describe: 'maps a: .npy, (N,C,H,W) or (N,H,W)' })
    .positional('b', { type: 'string', describe: 'maps b: .npy of the same shape' })
    .option('mask', { type: 'string', describe: '.npy valid mask, nonzero = valid: (N,H,W), (N,1,H,W) or (H,W) for every pair; with --reduce none also (N,C,H,W)' })
    .option('metrics', { describe: `comma-separated metrics (${SIMILARITY_METRIC_NAMES.join(', ')}, spearman_abs); with parameters: a metrics list in --config`, default: 'ssim,spearman,topk_jaccard' })
    .option('reduce', { type: 'string', choices: REDUCTIONS, default: 'sum', describe: 'channel reduction of (N,C,H,W) maps; none stacks the channels as rows, (N, C*H, W)' })
    .option('topk-frac', { type: 'number', describe: 'topk_jaccard, fass: k = max(1, floor(frac x valid pixels)) (default 0.1)' })
    .option('topk-k', { type: 'number', describe: 'topk_jaccard, fass: a fixed k instead of --topk-frac' })
    .option('topk-signed', { type: 'boolean', describe: 'topk_jaccard, fass: the largest values rather than the largest |values|' })
    .option('ssim-window', { type: 'string', choices: ['gaussian', 'uniform'], describe: 'ssim, fass: gaussian (sigma 1.5, = skimage; default) or uniform (11 x 11 mean, zero padding: fass-paper)' })
    .example('$0 compare clean/saliency.npy perturbed/saliency.npy --mask valid.npy --metrics ssim,spearman,topk_jaccard,fass', '')
    .example('$0 compare a.npy b.npy --config compare.yaml', 'metrics with parameters:\n  metrics:\n    - {name: topk_jaccard, k: 100, signed: true}\n    - {name: spearman, abs: true}');
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
function metricSpecs(value: unknown, a: z.infer<typeof Args>): MetricSpec[] {
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

/** Pairs listed one per row in the text output (--json has them all). */
const MAX_ROWS = 50;

const fmt = (v: number) => (Number.isNaN(v) ? 'NaN' : v.toFixed(4));

export async function handler(argv: Record<string, unknown>): Promise<void> {
  await run(Boolean(argv.json), async (out) => {
    const a = validate(Args, argv);
    const metrics = parseMetrics(metricSpecs(argv.metrics ?? 'ssim,spearman,topk_jaccard', a));
    const mapsA = readMaps(a.a, 'maps a');
    const mapsB = readMaps(a.b, 'maps b');
    if (mapsA.shape.join(',') !== mapsB.shape.join(',')) {
      throw new UserError(`shape mismatch: ${a.a} has shape ${shapeText(mapsA.shape)}, ${a.b} has shape ${shapeText(mapsB.shape)}; the two stacks must have the same shape`);
    }
    const [n] = mapsA.shape;
    const c = mapsA.shape.length === 4 ? mapsA.shape[1] : 1;
    const [h, w] = mapsA.shape.slice(-2);
    let mask: { data: Uint8Array | Float32Array | Float64Array | Int32Array; shape: number[] } | undefined;
    if (a.mask) {
      const m = readNpy(a.mask);
      const ok = [[n, h, w], [n, 1, h, w], [h, w], ...(a.reduce === 'none' ? [[n, c, h, w]] : [])];
      if (!ok.some((s) => s.join(',') === m.shape.join(','))) {
        throw new UserError(`shape mismatch: the mask ${a.mask} has shape ${shapeText(m.shape)}, the maps ${shapeText(mapsA.shape)}; expected ${ok.map(shapeText).join(', ')}`);
      }
      mask = { data: m.dtype === 'int64' ? Uint8Array.from(m.data, (v) => (v !== 0n ? 1 : 0)) : m.data, shape: m.shape };
    }
    const r = await similarity(mapsA, mapsB, { metrics, mask, reduce: a.reduce as Reduction, threads: a.threads });

    const keys = metrics.map((m) => m.key);
    const summaries = Object.fromEntries(keys.map((k) => [k, summarise(r[k])]));
    const rows: (string | number)[][] = [];
    const shown = n > MAX_ROWS ? MAX_ROWS - 5 : n;  // long tables: the first pairs, then the summary
    for (let i = 0; i < shown; i++) rows.push([i, ...keys.map((k) => fmt(r[k].scores[i]))]);
    if (shown < n) rows.push([`(${n - shown} more)`, ...keys.map(() => '')]);
    rows.push(['mean', ...keys.map((k) => fmt(summaries[k].mean))]);
    rows.push(['NaN', ...keys.map((k) => summaries[k].degenerate.length)]);
    const lines = [
      `maps      ${a.a} vs ${a.b}, ${n} pair(s) of shape ${shapeText(mapsA.shape.slice(1))}, reduce ${a.reduce}${a.mask ? `, mask ${a.mask}` : ''}`,
      `direction ${metrics.map((m) => `${m.key} ${m.higherIsBetter ? 'higher' : 'lower'} is better`).join('; ')}`,
      '',
      table(['pair', ...keys], rows),
    ];
    for (const k of keys) {
      const byReason = new Map<string, number[]>();
      for (const d of summaries[k].degenerate) {
        const list = byReason.get(d.reason);
        if (list) list.push(d.index);
        else byReason.set(d.reason, [d.index]);
      }
      for (const [reason, idx] of byReason) {
        lines.push(`${k}: ${idx.length} NaN, ${reason} (pair${idx.length > 1 ? 's' : ''} ${idx.slice(0, 10).join(', ')}${idx.length > 10 ? ', ...' : ''})`);
      }
    }
    out.say(lines.join('\n'));
    out.result({
      a: a.a, b: a.b, mask: a.mask ?? null, shape: mapsA.shape, reduce: a.reduce, n,
      metrics: Object.fromEntries(metrics.map((m) => [m.key, {
        name: m.name, params: m.params, higher_is_better: m.higherIsBetter,
        scores: Array.from(r[m.key].scores), ...summaries[m.key],
      }])),
    });
  });
}
