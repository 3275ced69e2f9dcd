/**
 * The FASS run (SPEC.md sections 3-5): for each batch, predict the clean images, perturb them
 * (every perturbation and severity of the plan), keep the pairs whose prediction holds, attribute
 * both twins, align the twin's maps, and score their similarity over the valid mask. Each batch is
 * one transaction of the run file: a run stopped at any moment (Ctrl-C, kill -9) resumes where it
 * stopped, and results do not depend on batch size, shard or resume.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Batch, Dataset } from '../data/index.js';
import { argmax, nonFiniteRows, type Logits, type Model } from '../models/model.js';
import type { ConfiguredMethod } from '../methods/registry.js';
import { seedsFor } from '../methods/seeds.js';
import type { Attribution, RunContext } from '../methods/types.js';
import { similarity, type Reduction, type SimilarityMetric } from '../metrics/similarity.js';
import { align, perturb, validMask, type PerturbationSpec } from '../perturb/index.js';
import { RunFile } from '../store/run-file.js';
import type { GalleryRow, PairRow, SampleRow, SimilarityColumn } from '../store/schema.js';
import { galleryStrip } from '../report/strip.js';

export type Filter = { kind: 'top1' } | { kind: 'none' } | { kind: 'margin'; delta: number };

export interface StabilitySpec {
  model: Model;
  data: Dataset;
  methods: ConfiguredMethod[];
  perturbations: PerturbationSpec[];
  /** The similarity metrics, keyed by the run file's columns (ssim, spearman, topk_jaccard, fass, ...). */
  metrics: SimilarityMetric[];
  filter: Filter;
  reduce: Reduction;
  seed: number;
  batchSize: number;
  internalBatchSize?: number;
  shard?: { k: number; n: number };
  out: string;
  /** Samples (from the start of the shard) whose strips go to the report's gallery. */
  gallery: number;
  /** Recorded in the run's configuration, so resuming with another preset is refused. */
  preset?: string;
  onBatch?: (p: Progress) => void;
}

export interface Progress { done: number; total: number; pairs: number; kept: number; scored: number }

export interface StabilityResult { out: string; samples: number; pairs: number; kept: number; filtered: number; errors: number; resumedFrom: number; seconds: number }

/** The slice [lo, hi) of the dataset for shard k of n (contiguous, so files are read in order). */
export function shardRange(size: number, shard?: { k: number; n: number }): [number, number] {
  if (!shard) return [0, size];
  return [Math.floor(((shard.k - 1) * size) / shard.n), Math.floor((shard.k * size) / shard.n)];
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** What a run is: a resumed or merged run must match it (batch size and threads are not part of it). */
export function runConfig(s: StabilitySpec): Record<string, unknown> {
  return {
    model: s.model.path, model_sha256: sha256(s.model.path), model_kind: s.model.kind, device: s.model.device,
    dataset: s.data.name, n: s.data.size, seed: s.seed,
    methods: s.methods.map((m) => ({ name: m.method.name, ...(m.params as object) })),
    perturbations: s.perturbations.map((p) => p.id), preset: s.preset ?? null,
    filter: s.filter.kind === 'margin' ? `margin:${s.filter.delta}` : s.filter.kind,
    reduce: s.reduce, metrics: s.metrics.map((m) => ({ key: m.key, ...m.params })),
    shard: s.shard ? `${s.shard.k}/${s.shard.n}` : null,
    // Only when not fp32, so run files written before precision existed still resume and merge.
    ...(s.model.precision !== 'fp32' ? { precision: s.model.precision } : {}),
  };
}

interface Clean { ids: string[]; indices: number[]; data: Float32Array; shape: [number, number, number, number]; targets: Int32Array; logitT: Float64Array; maps: Attribution[] }

function targetLogits(l: Logits, t: Int32Array): Float64Array {
  return Float64Array.from(t, (c, i) => l.data[i * l.classes + c]);
}

function rows(data: Float32Array, per: number, keep: number[]): Float32Array {
  const out = new Float32Array(keep.length * per);
  keep.forEach((i, j) => out.set(data.subarray(i * per, (i + 1) * per), j * per));
  return out;
}

/** One error row per (sample, perturbation, method): nothing the plan names disappears. */
function errorPairs(s: StabilitySpec, id: string, index: number, reason: string, clean: number | null = null): PairRow[] {
  return s.perturbations.flatMap((p) => s.methods.map((m) => ({
    sample_index: index, sample_id: id, perturbation: p.id, family: p.family, name: p.name, severity: p.severity, method: m.method.name,
    status: 'error' as const, clean_pred: clean, perturbed_pred: null, prediction_changed: null, logit_change: null, scores: {}, reason,
  })));
}

export async function runStability(s: StabilitySpec): Promise<StabilityResult> {
  const t0 = performance.now();
  const run = await RunFile.open(s.out, runConfig(s));
  try {
    const [lo, hi] = shardRange(s.data.size, s.shard);
    const done = await run.done();
    const resumedFrom = done.size;
    const ctx: RunContext = { meanColour: await s.data.meanColour(), internalBatchSize: s.internalBatchSize };
    const progress: Progress = { done: done.size, total: hi - lo, pairs: 0, kept: 0, scored: 0 };
    const totals = { samples: 0, pairs: 0, kept: 0, filtered: 0, errors: 0 };
    for await (const b of s.data.batches(s.batchSize, { start: lo, end: hi })) {
      const { samples, pairs, gallery } = await runBatch(s, b, done, ctx, lo);
      if (samples.length === 0) continue;
      await run.appendBatch(samples, pairs, gallery);
      totals.samples += samples.length;
      for (const p of pairs) { totals.pairs++; if (p.status === 'kept') totals.kept++; else if (p.status === 'filtered') totals.filtered++; else totals.errors++; }
      progress.done += samples.length; progress.pairs = totals.pairs; progress.kept = totals.kept;
      s.onBatch?.(progress);
    }
    return { out: s.out, ...totals, resumedFrom, seconds: (performance.now() - t0) / 1000 };
  } finally {
    run.close();
  }
}

async function runBatch(s: StabilitySpec, b: Batch, done: Set<number>, ctx: RunContext, lo: number) {
  const samples: SampleRow[] = [], pairs: PairRow[] = [], gallery: GalleryRow[] = [];
  for (const e of b.errors) {
    if (done.has(e.index)) continue;
    samples.push({ sample_index: e.index, sample_id: e.id, label: null, status: 'error', clean_pred: null, reason: e.reason });
    pairs.push(...errorPairs(s, e.id, e.index, `unreadable sample: ${e.reason}`));
  }
  const todo = b.indices.map((idx, i) => (done.has(idx) ? -1 : i)).filter((i) => i >= 0);
  if (todo.length === 0) return { samples, pairs, gallery };
  const [, c, h, w] = b.shape, per = c * h * w;
  const data = todo.length === b.shape[0] ? b.data : rows(b.data, per, todo);
  const shape: [number, number, number, number] = [todo.length, c, h, w];
  const logits = await s.model.predict(data, shape);
  const bad = new Set(nonFiniteRows(logits));
  const targets = argmax(logits);
  const good = todo.map((_, j) => j).filter((j) => !bad.has(j));
  todo.forEach((i, j) => {
    const id = b.ids[i], index = b.indices[i];
    if (bad.has(j)) {
      samples.push({ sample_index: index, sample_id: id, label: b.labels[i], status: 'error', clean_pred: null, reason: 'non-finite logits' });
      pairs.push(...errorPairs(s, id, index, 'non-finite logits of the clean image'));
    } else {
      samples.push({ sample_index: index, sample_id: id, label: b.labels[i], status: 'ok', clean_pred: targets[j], reason: null });
    }
  });
  if (good.length === 0) return { samples, pairs, gallery };
  const clean: Clean = {
    ids: good.map((j) => b.ids[todo[j]]), indices: good.map((j) => b.indices[todo[j]]),
    data: good.length === todo.length ? data : rows(data, per, good), shape: [good.length, c, h, w],
    targets: Int32Array.from(good, (j) => targets[j]), logitT: targetLogits(logits, targets).filter((_, j) => !bad.has(j)), maps: [],
  };
  // Both twins are explained with the same draws (common random numbers): a stochastic method's
  // own noise then does not count as instability.
  for (const m of s.methods) {
    clean.maps.push(await m.method.run(s.model, { data: clean.data, shape: clean.shape, targets: clean.targets, seeds: seedsFor(s.seed, clean.ids, 'none', m.method.name) }, m.params, ctx));
  }
  for (const p of s.perturbations) await runPerturbation(s, p, clean, ctx, lo, pairs, gallery);
  return { samples, pairs, gallery };
}

async function runPerturbation(s: StabilitySpec, p: PerturbationSpec, clean: Clean, ctx: RunContext, lo: number, pairs: PairRow[], gallery: GalleryRow[]) {
  const [n, c, h, w] = clean.shape, per = c * h * w;
  const x2 = await perturb({ data: clean.data, shape: clean.shape }, p, seedsFor(s.seed, clean.ids, p.id, 'perturb'));
  const data2 = x2.toTypedArray() as Float32Array;
  x2.dispose();
  const logits2 = await s.model.predict(data2, clean.shape);
  const pred2 = argmax(logits2), bad2 = new Set(nonFiniteRows(logits2));
  const change = targetLogits(logits2, clean.targets).map((v, i) => v - clean.logitT[i]);
  const keep: number[] = [];
  const base = (i: number, method: string): PairRow => ({
    sample_index: clean.indices[i], sample_id: clean.ids[i], perturbation: p.id, family: p.family, name: p.name, severity: p.severity, method,
    status: 'kept', clean_pred: clean.targets[i], perturbed_pred: bad2.has(i) ? null : pred2[i], prediction_changed: bad2.has(i) ? null : pred2[i] !== clean.targets[i],
    logit_change: bad2.has(i) ? null : change[i], scores: {}, reason: null,
  });
  const decided: PairRow[][] = clean.ids.map(() => []);
  for (let i = 0; i < n; i++) {
    const changed = pred2[i] !== clean.targets[i];
    const passes = s.filter.kind === 'none' || (!changed && (s.filter.kind === 'top1' || Math.abs(change[i]) <= s.filter.delta));
    if (bad2.has(i)) s.methods.forEach((m) => decided[i].push({ ...base(i, m.method.name), status: 'error', reason: 'non-finite logits of the perturbed image' }));
    else if (passes) keep.push(i);
    else s.methods.forEach((m) => decided[i].push({ ...base(i, m.method.name), status: 'filtered', reason: changed ? `prediction changed from ${clean.targets[i]} to ${pred2[i]}` : `target logit moved by ${change[i].toFixed(4)} > ${(s.filter as { delta: number }).delta}` }));
  }
  if (keep.length) {
    const kept = { data: rows(data2, per, keep), shape: [keep.length, c, h, w] as [number, number, number, number], targets: Int32Array.from(keep, (i) => clean.targets[i]) };
    const mask = validMask(p, h, w);
    for (const [k, m] of s.methods.entries()) {
      const seeds = seedsFor(s.seed, keep.map((i) => clean.ids[i]), 'none', m.method.name);
      const twin = await m.method.run(s.model, { ...kept, seeds }, m.params, ctx);
      const [, mc, mh, mw] = twin.shape;
      const alignedT = await align({ data: twin.maps, shape: twin.shape }, p);
      const aligned = alignedT.toTypedArray() as Float32Array;
      alignedT.dispose();
      const mapPer = mc * mh * mw;
      const cleanMaps = rows(clean.maps[k].maps, mapPer, keep);
      const maskFor = mh === h && mw === w ? mask : validMask(p, mh, mw);
      const scores = await similarity({ data: cleanMaps, shape: twin.shape }, { data: aligned, shape: twin.shape }, { metrics: s.metrics, mask: { data: maskFor, shape: [mh, mw] }, reduce: s.reduce });
      keep.forEach((i, j) => {
        const row = base(i, m.method.name);
        const reasons: string[] = [];
        for (const metric of s.metrics) {
          const r = scores[metric.key];
          row.scores[metric.key as SimilarityColumn] = r.scores[j];
          if (r.reasons[j]) reasons.push(`${metric.key}: ${r.reasons[j]}`);
        }
        if (!cleanMaps.subarray(j * mapPer, (j + 1) * mapPer).every(Number.isFinite) || !twin.maps.subarray(j * mapPer, (j + 1) * mapPer).every(Number.isFinite)) {
          row.status = 'error';
          reasons.unshift('the map has NaN or infinite values');
        }
        row.reason = reasons.length ? reasons.join('; ') : null;
        decided[i].push(row);
        if (clean.indices[i] - lo < s.gallery) {
          gallery.push({ sample_index: clean.indices[i], sample_id: clean.ids[i], perturbation: p.id, method: m.method.name,
            png: galleryStrip(clean.data.subarray(i * per, (i + 1) * per), data2.subarray(i * per, (i + 1) * per), [c, h, w],
              cleanMaps.subarray(j * mapPer, (j + 1) * mapPer), aligned.subarray(j * mapPer, (j + 1) * mapPer), [mc, mh, mw]) });
        }
      });
    }
  }
  for (const r of decided) pairs.push(...r);
}
