/**
 * The chance level of a stability score (issue 15): how similar a method's maps of *unrelated*
 * inputs are. Sample x is paired with y = partner(x), a seeded derangement of the whole dataset
 * (one cycle, Sattolo's algorithm): the same for every method, and independent of batch size,
 * shard and resume. A pair's chance score is sim(g(x), g(y)) over its perturbation's valid mask,
 * g(y) being y's clean map (y's own prediction, y's own draws: what y's batch computes for it).
 * A method that draws one pattern for every image has chance 1; the random control's stability
 * equals its chance level.
 */
import { z } from 'zod';
import type { Dataset } from '../data/index.js';
import { deriveSeed } from '../methods/seeds.js';
import type { Attribution } from '../methods/types.js';
import { argmax, nonFiniteRows, type Model } from '../models/model.js';
import { similarity, type Reduction, type SimilarityMetric } from '../metrics/similarity.js';
import { prng } from '../util/prng.js';
import { rowsOf } from './runner.js';

export const CONTROLS = ['chance', 'none'] as const;
export type Controls = (typeof CONTROLS)[number];
export const ControlsOption = z.enum(CONTROLS).default('chance')
  .describe('chance: score each pair\'s chance level beside it (the map of a partner sample) and rank above chance too; none: skip it');

/** partner[i] for every dataset index: a single cycle, so no sample is its own partner (size >= 2). */
export function partners(size: number, seed: number): Int32Array {
  const p = Int32Array.from({ length: size }, (_, i) => i);
  const next = prng(deriveSeed(seed, 'chance', 'partners', String(size)));
  for (let i = size - 1; i > 0; i--) {
    const j = Math.floor(next() * i);  // j < i: Sattolo's algorithm
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** The batch's partners' maps: row[i] is clean sample i's row in maps[k] (-1: no partner, see reason[i]). */
export interface PartnerMaps { row: Int32Array; maps: Attribution[]; reason: (string | null)[] }

/** The batch's partners, read and predicted: `input` (null when none is left) is explained beside the clean batch. */
export interface Partners {
  row: Int32Array;
  reason: (string | null)[];
  input: { data: Float32Array; shape: [number, number, number, number]; targets: Int32Array; ids: string[] } | null;
}

/**
 * Reads each clean sample's partner and predicts it; its target is its own prediction. Partners
 * that cannot be read or have non-finite logits have no chance score.
 */
export async function readPartners(s: { model: Model; data: Dataset; seed: number }, indices: readonly number[]): Promise<Partners> {
  const cycle = partnerCache(s.data.size, s.seed);
  const row = new Int32Array(indices.length).fill(-1);
  const reason: (string | null)[] = indices.map(() => null);
  if (s.data.size < 2) return { row, reason: reason.map(() => 'one sample: no partner'), input: null };
  const read = await readSamples(s.data, indices.map((i) => cycle[i]));
  const [c, h, w] = s.data.shape, per = c * h * w;
  const ok = read.filter((r) => r.data);
  const data = new Float32Array(ok.length * per);
  ok.forEach((r, j) => data.set(r.data!, j * per));
  const logits = ok.length ? await s.model.predict(data, [ok.length, c, h, w]) : null;
  const bad = new Set(logits ? nonFiniteRows(logits) : []);
  const keep = ok.map((_, j) => j).filter((j) => !bad.has(j));
  let k = 0;
  read.forEach((r, i) => {
    if (!r.data) { reason[i] = `partner ${r.index} unreadable: ${r.reason}`; return; }
    const j = k++;
    if (bad.has(j)) reason[i] = `partner ${r.index} has non-finite logits`;
    else row[i] = keep.indexOf(j);
  });
  if (keep.length === 0) return { row, reason, input: null };
  const pred = argmax(logits!);
  return {
    row, reason,
    input: {
      data: keep.length === ok.length ? data : rowsOf(data, per, keep), shape: [keep.length, c, h, w],
      targets: Int32Array.from(keep, (j) => pred[j]), ids: keep.map((j) => ok[j].id!),
    },
  };
}

async function readSamples(data: Dataset, indices: number[]): Promise<{ index: number; id?: string; data?: Float32Array; reason?: string }[]> {
  const out = [];
  for (const index of indices) {
    let got: { index: number; id?: string; data?: Float32Array; reason?: string } = { index, reason: 'not read' };
    for await (const b of data.batches(1, { start: index, end: index + 1, prefetch: 0 })) {
      got = b.ids.length ? { index, id: b.ids[0], data: b.data } : { index, reason: b.errors[0]?.reason ?? 'not read' };
    }
    out.push(got);
  }
  return out;
}

const cache = new Map<string, Int32Array>();
function partnerCache(size: number, seed: number): Int32Array {
  const key = `${size}:${seed}`;
  let p = cache.get(key);
  if (!p) { cache.clear(); p = partners(size, seed); cache.set(key, p); }
  return p;
}

/**
 * Chance scores of a batch, per method and valid mask (every photometric perturbation shares the
 * full mask, so each distinct mask is scored once): per metric, one value per clean sample, NaN
 * where it has no partner.
 */
export class ChanceScores {
  private readonly done = new Map<string, Promise<Record<string, Float64Array>>>();
  constructor(
    private readonly partner: PartnerMaps, private readonly metrics: SimilarityMetric[], private readonly reduce: Reduction,
    /** Threads of each similarity call (default: the engine's). */
    private readonly threads?: number,
  ) {}

  of(k: number, clean: Attribution, mask: Uint8Array, h: number, w: number): Promise<Record<string, Float64Array>> {
    const key = `${k}:${maskKey(mask)}`;
    let r = this.done.get(key);
    if (!r) { r = this.score(k, clean, mask, h, w); this.done.set(key, r); }
    return r;
  }

  private async score(k: number, clean: Attribution, mask: Uint8Array, h: number, w: number): Promise<Record<string, Float64Array>> {
    const n = clean.shape[0], [, mc, mh, mw] = clean.shape, per = mc * mh * mw;
    const withPartner = Array.from({ length: n }, (_, i) => i).filter((i) => this.partner.row[i] >= 0);
    const out = Object.fromEntries(this.metrics.map((m) => [m.key, new Float64Array(n).fill(NaN)]));
    if (withPartner.length === 0) return out;
    const shape: [number, number, number, number] = [withPartner.length, mc, mh, mw];
    const a = rowsOf(clean.maps, per, withPartner);
    const b = rowsOf(this.partner.maps[k].maps, per, withPartner.map((i) => this.partner.row[i]));
    const r = await similarity({ data: a, shape }, { data: b, shape }, { metrics: this.metrics, mask: { data: mask, shape: [h, w] }, reduce: this.reduce, threads: this.threads });
    for (const m of this.metrics) withPartner.forEach((i, j) => (out[m.key][i] = r[m.key].scores[j]));
    return out;
  }
}

function maskKey(mask: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < mask.length; i++) h = Math.imul(h ^ mask[i], 0x01000193);
  return `${mask.length}:${h >>> 0}`;
}
