/**
 * The runner shared by `fass robustness` and `fass faithfulness`: batches in dataset order, the
 * clean prediction (the target), one transaction per batch holding exactly one score row per
 * (sample, metric, method) and the batch's done marks, resume by skipping done samples, the
 * stored configuration refused on mismatch, and a pass at the end of every run (consistency).
 * What a batch is scored with is the caller's `score` function.
 */
import type { Batch, Dataset } from '../data/index.js';
import { argmax, nonFiniteRows, type Model } from '../models/model.js';
import type { ConfiguredMethod } from '../methods/registry.js';
import type { RunContext } from '../methods/types.js';
import type { Samples } from '../metrics/robustness.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunFile } from '../store/run-file.js';
import { summariseScores, type MetricSummary } from '../store/score-aggregate.js';
import { storedLabel, type SampleRow, type ScoreRow, type VectorRow } from '../store/schema.js';
import { runConfig as stabilityConfig } from './stability.js';

export interface MetricRunBase {
  model: Model;
  data: Dataset;
  methods: ConfiguredMethod[];
  seed: number;
  batchSize: number;
  internalBatchSize?: number;
  out: string;
  onBatch?: (p: MetricProgress) => void;
}

export interface MetricProgress { done: number; total: number; rows: number; kept: number }

export interface MetricRunResult { out: string; samples: number; rows: number; kept: number; excluded: number; errors: number; resumedFrom: number; seconds: number }

/** A batch's good samples with their labels and indices, as a scorer gets them. */
export interface CleanBatch extends Samples {
  indices: number[];
  labels: Int32Array;
}

export interface Scorer {
  /** What the run is; stored in the run file and compared on resume. */
  config: Record<string, unknown>;
  /** The metric names each (sample, method) gets a row for. */
  metrics: readonly string[];
  score(b: CleanBatch, ctx: RunContext): Promise<{ scores: ScoreRow[]; vectors?: VectorRow[] }>;
  /** Runs after the last batch (also when nothing was left to do). */
  finish?(run: RunFile): Promise<void>;
}

/** The configuration keys every metric run shares (model and its hash, data, n, seed, methods). */
export function baseConfig(command: string, s: MetricRunBase): Record<string, unknown> {
  const c = stabilityConfig({ ...s, onBatch: undefined, perturbations: [], metrics: [], filter: { kind: 'top1' }, reduce: 'sum', gallery: 0 });
  return { command, model: c.model, model_sha256: c.model_sha256, model_kind: c.model_kind, device: c.device, dataset: c.dataset, n: c.n, seed: c.seed, methods: c.methods };
}

function errorRows(s: MetricRunBase, scorer: Scorer, id: string, index: number, label: number | null, reason: string): ScoreRow[] {
  return scorer.metrics.flatMap((metric) => s.methods.map((m) => ({
    sample_index: index, sample_id: id, label, metric, method: m.method.name, status: 'error' as const,
    clean_pred: null, score: null, n_used: null, n_excluded: null, reason,
  })));
}

function rows(data: Float32Array, per: number, keep: number[]): Float32Array {
  const out = new Float32Array(keep.length * per);
  keep.forEach((i, j) => out.set(data.subarray(i * per, (i + 1) * per), j * per));
  return out;
}

export async function runMetrics(s: MetricRunBase, scorer: Scorer): Promise<MetricRunResult> {
  const t0 = performance.now();
  const run = await RunFile.open(s.out, scorer.config);
  try {
    const done = await run.done();
    const resumedFrom = done.size;
    const ctx: RunContext = { meanColour: await s.data.meanColour(), internalBatchSize: s.internalBatchSize };
    const totals = { samples: 0, rows: 0, kept: 0, excluded: 0, errors: 0 };
    for await (const b of s.data.batches(s.batchSize)) {
      const { samples, scores, vectors } = await runBatch(s, scorer, b, done, ctx);
      if (samples.length === 0) continue;
      await run.appendScores(samples, scores, vectors);
      totals.samples += samples.length;
      for (const r of scores) { totals.rows++; totals[r.status === 'kept' ? 'kept' : r.status === 'excluded' ? 'excluded' : 'errors']++; }
      s.onBatch?.({ done: done.size + totals.samples, total: s.data.size, rows: totals.rows, kept: totals.kept });
    }
    await scorer.finish?.(run);
    return { out: s.out, ...totals, resumedFrom, seconds: (performance.now() - t0) / 1000 };
  } finally {
    run.close();
  }
}

async function runBatch(s: MetricRunBase, scorer: Scorer, b: Batch, done: Set<number>, ctx: RunContext) {
  const samples: SampleRow[] = [], scores: ScoreRow[] = [], vectors: VectorRow[] = [];
  for (const e of b.errors) {
    if (done.has(e.index)) continue;
    samples.push({ sample_index: e.index, sample_id: e.id, label: null, status: 'error', clean_pred: null, reason: e.reason });
    scores.push(...errorRows(s, scorer, e.id, e.index, null, `unreadable sample: ${e.reason}`));
  }
  const todo = b.indices.map((idx, i) => (done.has(idx) ? -1 : i)).filter((i) => i >= 0);
  if (todo.length === 0) return { samples, scores, vectors };
  const [, c, h, w] = b.shape, per = c * h * w;
  const data = todo.length === b.shape[0] ? b.data : rows(b.data, per, todo);
  const logits = await s.model.predict(data, [todo.length, c, h, w]);
  const bad = new Set(nonFiniteRows(logits));
  const targets = argmax(logits);
  const good = todo.map((_, j) => j).filter((j) => !bad.has(j));
  todo.forEach((i, j) => {
    const id = b.ids[i], index = b.indices[i], label = storedLabel(b.labels[i]);
    if (bad.has(j)) {
      samples.push({ sample_index: index, sample_id: id, label, status: 'error', clean_pred: null, reason: 'non-finite logits' });
      scores.push(...errorRows(s, scorer, id, index, label, 'non-finite logits of the clean image'));
    } else {
      samples.push({ sample_index: index, sample_id: id, label, status: 'ok', clean_pred: targets[j], reason: null });
    }
  });
  if (good.length === 0) return { samples, scores, vectors };
  const k = logits.classes;
  const clean: CleanBatch = {
    ids: good.map((j) => b.ids[todo[j]]), indices: good.map((j) => b.indices[todo[j]]),
    labels: Int32Array.from(good, (j) => b.labels[todo[j]]),
    data: good.length === todo.length ? data : rows(data, per, good), shape: [good.length, c, h, w],
    targets: Int32Array.from(good, (j) => targets[j]),
    logits: { data: good.length === todo.length ? logits.data : rows(logits.data, k, good), n: good.length, classes: k },
  };
  const r = await scorer.score(clean, ctx);
  scores.push(...r.scores);
  vectors.push(...(r.vectors ?? []));
  return { samples, scores, vectors };
}

export interface ScoresOptions {
  seed?: number;
  batchSize?: number;
  internalBatchSize?: number;
  /** Keep the run file here (resumable); default a temporary file, removed afterwards. */
  out?: string;
}

/** Runs fn on `out`, or on a temporary run file removed afterwards. */
export async function withRunFile<T>(out: string | undefined, fn: (path: string) => Promise<T>): Promise<T> {
  if (out) return fn(out);
  const dir = mkdtempSync(join(tmpdir(), 'fass-scores-'));
  try {
    return await fn(join(dir, 'run.duckdb'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The summary of a finished run file. */
export async function readSummary(path: string, seed: number): Promise<MetricSummary> {
  const f = await RunFile.read(path);
  try {
    return await summariseScores(f, seed);
  } finally {
    f.close();
  }
}
