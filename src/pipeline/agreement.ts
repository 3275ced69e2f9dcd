/**
 * Method agreement (issue 15; the "disagreement problem", Krishna et al. 2022): per sample, the
 * Spearman correlation and top-k Jaccard between every two methods' clean maps, each reduced over
 * channels as the run's similarity is. Two stable methods that disagree cannot both be right.
 */
import type { Attribution } from '../methods/types.js';
import { reduceMap } from '../metrics/consistency.js';
import { parseMetrics, similarity, type Reduction } from '../metrics/similarity.js';
import type { AgreementRow } from '../store/schema.js';

/** The agreement metrics, with SPEC.md's defaults (top 10% of pixels). */
export const AGREEMENT_METRICS = parseMetrics('spearman,topk_jaccard');

/** One row per (sample, method a, method b), a before b in the run's method order. */
export async function agreementRows(names: string[], maps: Attribution[], ids: string[], indices: number[], reduce: Reduction): Promise<AgreementRow[]> {
  const rows: AgreementRow[] = [];
  const n = ids.length;
  for (let a = 0; a < names.length; a++) {
    for (let b = a + 1; b < names.length; b++) {
      const ra = reduced(maps[a], reduce), rb = reduced(maps[b], reduce);
      const base = (i: number) => ({ sample_index: indices[i], sample_id: ids[i], method_a: names[a], method_b: names[b] });
      if (ra.shape.join() !== rb.shape.join()) {
        const why = `maps of shape (${maps[a].shape.slice(1).join(', ')}) and (${maps[b].shape.slice(1).join(', ')}) cannot be compared pixel by pixel`;
        for (let i = 0; i < n; i++) rows.push({ ...base(i), spearman: null, topk_jaccard: null, reason: why });
        continue;
      }
      const r = await similarity(ra, rb, { metrics: AGREEMENT_METRICS, reduce: 'none' });
      for (let i = 0; i < n; i++) {
        const reasons = AGREEMENT_METRICS.map((m) => r[m.key].reasons[i] && `${m.key}: ${r[m.key].reasons[i]}`).filter(Boolean);
        rows.push({ ...base(i), spearman: r.spearman.scores[i], topk_jaccard: r.topk_jaccard.scores[i], reason: reasons.length ? reasons.join('; ') : null });
      }
    }
  }
  return rows;
}

/** Maps reduced over channels to (N, 1, H, W) (with reduce none: as they are). */
function reduced(m: Attribution, reduce: Reduction): { data: Float32Array; shape: [number, number, number, number] } {
  const [n, c, h, w] = m.shape;
  if (reduce === 'none' || c === 1) return { data: m.maps, shape: m.shape };
  const out = new Float32Array(n * h * w), per = c * h * w;
  for (let i = 0; i < n; i++) out.set(reduceMap(m.maps.subarray(i * per, (i + 1) * per), c, h * w, reduce), i * h * w);
  return { data: out, shape: [n, 1, h, w] };
}
