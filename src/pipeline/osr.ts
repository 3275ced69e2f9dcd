/**
 * The OSR run (SPEC.md section 7): batches of K images; for each batch, predict the clean images,
 * train their K GANs at once (native, batched), keep the samples in S(x), attribute x and its
 * kept neighbours with every method, and score OSR. Each batch is one transaction of the run file,
 * so a stopped run resumes where it stopped; every (sample, method) ends as exactly one `osr` row.
 * Results do not depend on K, shard or resume: every draw comes from the sample's own seed.
 */
import type { Batch, Dataset } from '../data/index.js';
import type { ConfiguredMethod } from '../methods/registry.js';
import type { RunContext } from '../methods/types.js';
import { argmax, nonFiniteRows, type Model } from '../models/model.js';
import { OsrMetric, requireTorchForOsr, type Neighbours, type OsrConfig } from '../metrics/osr.js';
import { RunFile } from '../store/run-file.js';
import { storedLabel, type OsrImageRow, type OsrRow, type SampleRow } from '../store/schema.js';
import { runConfig as stabilityConfig, shardRange } from './stability.js';

export interface OsrSpec {
  model: Model;
  data: Dataset;
  methods: ConfiguredMethod[];
  options: OsrConfig;
  seed: number;
  /** GANs trained at once (images per batch). Not part of the run's configuration: results do not depend on it. */
  k: number;
  internalBatchSize?: number;
  shard?: { k: number; n: number };
  out: string;
  onBatch?: (p: OsrProgress) => void;
  /** GAN training steps within the batch in work. */
  onStep?: (done: number, total: number, step: number, steps: number) => void;
}

export interface OsrProgress { done: number; total: number; kept: number; rows: number }
export interface OsrRunResult { out: string; samples: number; rows: number; kept: number; errors: number; resumedFrom: number; seconds: number }

/** What an OSR run is; resuming with any other value is refused (K and threads are not part of it). */
export function osrRunConfig(s: OsrSpec): Record<string, unknown> {
  const base = stabilityConfig({
    model: s.model, data: s.data, methods: s.methods, perturbations: [], metrics: [], filter: { kind: 'top1' }, reduce: 'sum',
    seed: s.seed, batchSize: s.k, shard: s.shard, out: s.out, gallery: 0,
  });
  return {
    command: 'osr', model: base.model, model_sha256: base.model_sha256, model_kind: base.model_kind, device: base.device,
    dataset: base.dataset, n: base.n, seed: base.seed, methods: base.methods, osr: { ...s.options }, shard: base.shard,
  };
}

export async function runOsr(s: OsrSpec): Promise<OsrRunResult> {
  requireTorchForOsr(s.model);
  const t0 = performance.now();
  const run = await RunFile.open(s.out, osrRunConfig(s));
  try {
    const [lo, hi] = shardRange(s.data.size, s.shard);
    const done = await run.done();
    const resumedFrom = done.size;
    const metric = new OsrMetric(s.options, s.seed);
    const ctx: RunContext = { meanColour: await s.data.meanColour(), internalBatchSize: s.internalBatchSize };
    const progress: OsrProgress = { done: done.size, total: hi - lo, kept: 0, rows: 0 };
    const totals = { samples: 0, rows: 0, kept: 0, errors: 0 };
    for await (const b of s.data.batches(s.k, { start: lo, end: hi })) {
      const before = progress.done;
      const r = await osrBatch(s, metric, b, done, ctx, (step, steps) => s.onStep?.(before, progress.total, step, steps));
      if (r.samples.length === 0) continue;
      await run.appendOsrBatch(r.samples, r.images, r.rows);
      totals.samples += r.samples.length;
      for (const row of r.rows) { totals.rows++; if (row.status === 'kept') totals.kept++; else totals.errors++; }
      progress.done += r.samples.length; progress.rows = totals.rows; progress.kept = totals.kept;
      s.onBatch?.(progress);
    }
    return { out: s.out, ...totals, resumedFrom, seconds: (performance.now() - t0) / 1000 };
  } finally {
    run.close();
  }
}

function rowsOf(data: Float32Array, per: number, keep: number[]): Float32Array {
  const out = new Float32Array(keep.length * per);
  keep.forEach((i, j) => out.set(data.subarray(i * per, (i + 1) * per), j * per));
  return out;
}

/** One batch: sample rows, per-image GAN rows and one row per (sample, method). Exported for osrScores. */
export async function osrBatch(
  s: Pick<OsrSpec, 'model' | 'methods'>, metric: OsrMetric, b: Batch, done: Set<number>, ctx: RunContext,
  onStep?: (step: number, steps: number) => void,
): Promise<{ samples: SampleRow[]; images: OsrImageRow[]; rows: OsrRow[] }> {
  const samples: SampleRow[] = [], images: OsrImageRow[] = [], rows: OsrRow[] = [];
  const errorRows = (id: string, index: number, reason: string) =>
    s.methods.forEach((m) => rows.push({ sample_index: index, sample_id: id, method: m.method.name, status: 'error', accepted: null, osr: null, osr_normalised: null, reason }));
  for (const e of b.errors) {
    if (done.has(e.index)) continue;
    samples.push({ sample_index: e.index, sample_id: e.id, label: null, status: 'error', clean_pred: null, reason: e.reason });
    errorRows(e.id, e.index, `unreadable sample: ${e.reason}`);
  }
  const todo = b.indices.map((idx, i) => (done.has(idx) ? -1 : i)).filter((i) => i >= 0);
  if (todo.length === 0) return { samples, images, rows };
  const [, c, h, w] = b.shape, per = c * h * w;
  const data = todo.length === b.shape[0] ? b.data : rowsOf(b.data, per, todo);
  const logits = await s.model.predict(data, [todo.length, c, h, w]);
  const bad = new Set(nonFiniteRows(logits));
  const pred = argmax(logits);
  const good: number[] = [];
  todo.forEach((i, j) => {
    const id = b.ids[i], index = b.indices[i];
    if (bad.has(j)) {
      samples.push({ sample_index: index, sample_id: id, label: storedLabel(b.labels[i]), status: 'error', clean_pred: null, reason: 'non-finite logits' });
      errorRows(id, index, 'non-finite logits of the clean image');
    } else {
      samples.push({ sample_index: index, sample_id: id, label: storedLabel(b.labels[i]), status: 'ok', clean_pred: pred[j], reason: null });
      good.push(j);
    }
  });
  if (good.length === 0) return { samples, images, rows };
  const batch = {
    data: good.length === todo.length ? data : rowsOf(data, per, good), shape: [good.length, c, h, w] as [number, number, number, number],
    targets: Int32Array.from(good, (j) => pred[j]), ids: good.map((j) => b.ids[todo[j]]),
  };
  const indices = good.map((j) => b.indices[todo[j]]);
  const nb: Neighbours[] = await metric.neighbours(s.model, batch, onStep);
  nb.forEach((v, i) => images.push({
    sample_index: indices[i], sample_id: batch.ids[i], target: v.target, generated: v.generated, accepted: v.accepted, acceptance_rate: v.acceptanceRate,
    gan_changed: v.ganChanged, noise_changed: v.noiseChanged, noise_outside: v.noiseOutside, gan_distance: v.ganDistance, noise_distance: v.noiseDistance,
    clean_logit: v.cleanLogit, d_loss: v.dLoss, g_loss: v.gLoss, reason: v.failure ?? null,
  }));
  for (const m of s.methods) {
    const scores = await metric.score(s.model, m, batch, nb, ctx);
    scores.forEach((sc, i) => rows.push({
      sample_index: indices[i], sample_id: batch.ids[i], method: m.method.name, status: sc.osr === null ? 'error' : 'kept',
      accepted: nb[i].accepted, osr: sc.osr, osr_normalised: sc.osrNormalised, reason: sc.reason,
    }));
  }
  return { samples, images, rows };
}

export interface OsrMethodScore { method: string; metric: 'osr'; mean: number | null; n: number }

/**
 * One mean OSR per method over the dataset's samples, in memory (no run file): the library entry
 * point for comparing method rankings across models (`fass compare-metrics`). Samples whose OSR is
 * undefined (no accepted GAN sample) are left out of the mean and out of n.
 */
export async function osrScores(
  model: Model, data: Dataset, methods: ConfiguredMethod[],
  opts: { options: OsrConfig; seed?: number; k?: number; internalBatchSize?: number; normalised?: boolean },
): Promise<OsrMethodScore[]> {
  requireTorchForOsr(model);
  const metric = new OsrMetric(opts.options, opts.seed ?? 0);
  const ctx: RunContext = { meanColour: await data.meanColour(), internalBatchSize: opts.internalBatchSize };
  const sums = new Map(methods.map((m) => [m.method.name, { sum: 0, n: 0 }]));
  for await (const b of data.batches(opts.k ?? 16)) {
    const r = await osrBatch({ model, methods }, metric, b, new Set(), ctx);
    for (const row of r.rows) {
      const v = opts.normalised ? row.osr_normalised : row.osr;
      if (row.status !== 'kept' || v === null) continue;
      const acc = sums.get(row.method)!;
      acc.sum += v; acc.n++;
    }
  }
  return methods.map((m) => { const a = sums.get(m.method.name)!; return { method: m.method.name, metric: 'osr' as const, mean: a.n ? a.sum / a.n : null, n: a.n }; });
}
