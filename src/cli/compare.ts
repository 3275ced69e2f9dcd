/**
 * fass compare A.npy B.npy [--mask M.npy] --metrics ssim,spearman,topk_jaccard: per-pair similarity
 * of two stacks of maps (SPEC.md section 5), with each metric's mean and its degenerate pairs.
 */
import { Output } from '../config/options.js';
import { compareMaps, CompareMapsOptions } from '../pipeline/compare-maps.js';
import { summarise } from '../metrics/similarity.js';
import { defineCommand } from './common.js';
import { table } from './output.js';

const shapeText = (s: readonly number[]) => `(${s.join(', ')})`;

const Args = Output.extend(CompareMapsOptions.shape).refine((a) => a.topkFrac === undefined || a.topkK === undefined, { message: 'give --topk-frac or --topk-k, not both', path: ['topkK'] });

/** Pairs listed one per row in the text output (--json has them all). */
const MAX_ROWS = 50;

const fmt = (v: number) => (Number.isNaN(v) ? 'NaN' : v.toFixed(4));

export const { command, describe, builder, handler } = defineCommand({
  command: 'compare <a> <b>',
  describe: 'per-pair similarity (ssim, spearman, topk_jaccard, pearson, cosine, l2, fass) of two stacks of maps (scored on the CPU)',
  args: Args,
  positional: ['a', 'b'],
  extend: (y) => y
    .example('$0 compare clean/saliency.npy perturbed/saliency.npy --mask valid.npy --metrics ssim,spearman,topk_jaccard,fass', '')
    .example('$0 compare a.npy b.npy --config compare.yaml', 'metrics with parameters:\n  metrics:\n    - {name: topk_jaccard, k: 100, signed: true}\n    - {name: spearman, abs: true}'),
  body: async (a, out) => {
    const { metrics, scores: r, shape, n } = await compareMaps(a);

    const keys = metrics.map((m) => m.key);
    const summaries = Object.fromEntries(keys.map((k) => [k, summarise(r[k])]));
    const rows: (string | number)[][] = [];
    const shown = n > MAX_ROWS ? MAX_ROWS - 5 : n;  // long tables: the first pairs, then the summary
    for (let i = 0; i < shown; i++) rows.push([i, ...keys.map((k) => fmt(r[k].scores[i]))]);
    if (shown < n) rows.push([`(${n - shown} more)`, ...keys.map(() => '')]);
    rows.push(['mean', ...keys.map((k) => fmt(summaries[k].mean))]);
    rows.push(['NaN', ...keys.map((k) => summaries[k].degenerate.length)]);
    const lines = [
      `maps      ${a.a} vs ${a.b}, ${n} pair(s) of shape ${shapeText(shape.slice(1))}, reduce ${a.reduce}${a.mask ? `, mask ${a.mask}` : ''}`,
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
      a: a.a, b: a.b, mask: a.mask ?? null, shape, reduce: a.reduce, n,
      metrics: Object.fromEntries(metrics.map((m) => [m.key, {
        name: m.name, params: m.params, higher_is_better: m.higherIsBetter,
        scores: Array.from(r[m.key].scores), ...summaries[m.key],
      }])),
    });
  },
});
