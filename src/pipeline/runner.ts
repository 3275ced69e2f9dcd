/**
 * The one run loop of every run kind (stability, robustness, faithfulness, OSR): it alone opens
 * or resumes the run file, slices the shard, reads batches in dataset order, predicts the clean
 * images (their top-1 class is the target), writes an error row for each sample that cannot be
 * read or predicted, counts the totals, and commits each batch in one transaction with its done
 * marks: a run stopped at any moment (Ctrl-C, kill -9) resumes where it stopped. What a kind
 * does with a batch of clean samples is its `score`.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { parseWith } from '../config/validate.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { configure } from '../methods/registry.js';
import { TorchModel } from '../models/torch-model.js';
import { phase, Profile, type Lane, type ProfileReport } from './profile.js';
import type { Batch, Dataset } from '../data/index.js';
import type { ConfiguredMethod } from '../methods/registry.js';
import type { AttributionInput, RunContext } from '../methods/types.js';
import { argmax, nonFiniteRows, type Logits, type Model } from '../models/model.js';
import { UserError } from '../errors.js';
import { RunFile } from '../store/run-file.js';
import type { SanitySummary } from '../store/sanity-aggregate.js';
import { storedLabel, type ResultRows, type ResultTable, type SampleRow } from '../store/schema.js';

/** What every run names. */
export interface RunBase {
  model: Model;
  data: Dataset;
  methods: ConfiguredMethod[];
  seed: number;
  /** Images per batch. Not part of the run's configuration: results do not depend on it. */
  batchSize: number;
  internalBatchSize?: number;
  shard?: { k: number; n: number };
  out: string;
  onBatch?: (p: RunProgress) => void;
  /** Time the run's phases and its fraction of the physical limit (profile.ts); written to `<out>.profile.json`. */
  profile?: boolean;
}

/** Samples done of the shard, and result rows so far (kept: scored); note: what the batch is doing. */
export interface RunProgress { done: number; total: number; rows: number; kept: number; note?: string }

export interface RunTotals { samples: number; rows: number; kept: number; filtered: number; excluded: number; errors: number }
export interface RunResult extends RunTotals { out: string; resumedFrom: number; seconds: number; profile?: ProfileReport }

/** A batch's samples with a finite clean prediction, as a kind scores them. */
export interface CleanBatch {
  ids: string[];
  indices: number[];
  /** Dataset labels, -1 where unknown (store them with storedLabel). */
  labels: Int32Array;
  data: Float32Array;
  shape: [number, number, number, number];
  /** The clean top-1 class of each sample. */
  targets: Int32Array;
  logits: Logits;
}

/** Where a batch's sample is, for the kind's error rows. */
export interface SampleRef { id: string; index: number; label: number | null }

/** Moves the progress within a batch: share in [0, 1] of the batch done, and what it is doing. */
export type Tick = (share: number, note?: string) => void;

/** What a finished run file of a kind is read as: `fass report`, `fass export` and `fass merge` look it up (kinds.ts). */
export interface StoredKind {
  /** The `command` key of its configuration (stability runs store none). */
  command: string;
  /**
   * Its result tables besides samples and done; the first holds exactly one row (with a status)
   * per scored unit and is what the totals count. Merge copies them all, export those without
   * binary columns.
   */
  tables: readonly [RowsTable, ...ResultTable[]];
  summarise(f: RunFile, config: Record<string, unknown>): Promise<unknown>;
  /** Writes the kind's HTML report; `extra` carries what another run adds to it (a sanity run's summary). */
  report(f: RunFile, config: Record<string, unknown>, path: string, extra?: ReportExtras): Promise<void>;
}

export interface ReportExtras { sanity?: SanitySummary }
type RowsTable = 'pairs' | 'scores' | 'osr' | 'sanity';

export interface RunKind<S extends RunBase> extends StoredKind {
  /** What the run is: stored in the run file and compared key by key on resume and merge. */
  config(s: S): Record<string, unknown>;
  /** The error rows of a sample with no clean prediction: one for every unit the run names. */
  failed(s: S, sample: SampleRef, reason: string): ResultRows;
  score(s: S, b: CleanBatch, ctx: RunContext, tick: Tick): Promise<ResultRows>;
  /** Methods the kind runs side by side, by name (--profile: the lanes' passes overlap in time). */
  lanes?(s: S): Lane[];
  /** Runs after the last batch (also when nothing was left to do), e.g. dataset-level metrics. */
  finish?(s: S, run: RunFile): Promise<void>;
}

/** The slice [lo, hi) of the dataset for shard k of n (contiguous, so files are read in order). */
export function shardRange(size: number, shard?: { k: number; n: number }): [number, number] {
  if (!shard) return [0, size];
  return [Math.floor(((shard.k - 1) * size) / shard.n), Math.floor((shard.k * size) / shard.n)];
}

/** k/N: the k-th of N disjoint slices of the dataset (shardRange). */
export function parseShard(v: string | undefined): { k: number; n: number } | undefined {
  if (!v) return undefined;
  const [k, n] = v.split('/').map(Number);
  if (!(n >= 1 && k >= 1 && k <= n)) throw new UserError(`--shard ${v}: expected k/N with 1 <= k <= N`);
  return { k, n };
}

/** The configuration keys every run shares: the model and its hash, the data, the seed, the methods. */
export function baseConfig(s: RunBase): Record<string, unknown> {
  return {
    model: s.model.path, model_sha256: createHash('sha256').update(readFileSync(s.model.path)).digest('hex'),
    model_kind: s.model.kind, device: s.model.device, dataset: s.data.name, n: s.data.size, seed: s.seed,
    methods: s.methods.map((m) => ({ name: m.method.name, ...(m.params as object) })),
  };
}

/** The numbers every run takes, checked before any work (a library caller gets a UserError naming them). */
const RunNumbers = z.object({
  seed: z.number().int().min(0, 'must be an integer >= 0'),
  batchSize: z.number().int().min(1, 'must be an integer >= 1'),
  internalBatchSize: z.number().int().min(1, 'must be an integer >= 1').optional(),
  shard: z.object({ k: z.number().int().min(1), n: z.number().int().min(1) }).refine((v) => v.k <= v.n, 'k must be <= n').optional(),
});

export async function runKind<S extends RunBase>(kind: RunKind<S>, s: S): Promise<RunResult> {
  parseWith(RunNumbers, { seed: s.seed, batchSize: s.batchSize, internalBatchSize: s.internalBatchSize, shard: s.shard }, `${kind.command} run`, 'option');
  if (!s.profile) return loop(kind, s);
  const { result, profile } = await Profile.around(s.model, s.methods, (methods) => loop(kind, { ...s, methods }));
  const saliency = s.model instanceof TorchModel ? configure({ name: 'saliency' }) : null;
  const layerMethods = s.model instanceof TorchModel ? s.methods.filter((m) => m.method.needs.includes('layer')) : [];
  const report = await profile.report(s.model, await limitSample(s), saliency, { internalBatchSize: s.internalBatchSize }, kind.lanes?.(s) ?? [], layerMethods);
  writeFileSync(`${s.out}.profile.json`, JSON.stringify(report, null, 1) + '\n');
  return { ...result, profile: report };
}

/** Up to 64 of the shard's first images with their predicted classes: what the physical limit is measured on. */
async function limitSample(s: RunBase): Promise<AttributionInput | null> {
  const [lo, hi] = shardRange(s.data.size, s.shard);
  for await (const b of s.data.batches(Math.min(64, Math.max(1, hi - lo)), { start: lo, end: hi, prefetch: 0 })) {
    if (b.ids.length === 0) continue;
    const targets = argmax(await s.model.predict(b.data, b.shape));
    return { data: b.data, shape: b.shape, targets, seeds: Uint32Array.from(b.ids, (_, i) => i) };
  }
  return null;
}

/**
 * One saliency call on a blank image, made as a run that takes gradients opens: LibTorch's first
 * backward pass sets itself up (the kernels for the model's shapes, autograd's state), a good part
 * of the first gradient call's time on a small model. Started here, it overlaps opening the run
 * file and reading the first batch. Its map is dropped, and so is a failure: the run's own calls
 * would meet it again and report it.
 */
function warmUp(s: RunBase): Promise<void> {
  if (!(s.model instanceof TorchModel) || !s.methods.some((m) => m.method.needs.includes('gradients'))) return Promise.resolve();
  const saliency = configure({ name: 'saliency' }), shape = [1, ...s.data.shape] as [number, number, number, number];
  const blank = { data: new Float32Array(shape[1] * shape[2] * shape[3]), shape, targets: new Int32Array(1), seeds: new Uint32Array(1) };
  return phase('warm-up', () => saliency.method.run(s.model, blank, saliency.params, {})).then(() => {}, () => {});
}

async function loop<S extends RunBase>(kind: RunKind<S>, s: S): Promise<RunResult> {
  const t0 = performance.now();
  const warm = warmUp(s);
  const run = await RunFile.open(s.out, kind.config(s));
  try {
    const [lo, hi] = shardRange(s.data.size, s.shard);
    const done = await run.done();
    const resumedFrom = done.size;
    const ctx: RunContext = { meanColour: await s.data.meanColour(), internalBatchSize: s.internalBatchSize };
    const progress: RunProgress = { done: done.size, total: hi - lo, rows: 0, kept: 0 };
    const totals: RunTotals = { samples: 0, rows: 0, kept: 0, filtered: 0, excluded: 0, errors: 0 };
    const batches = s.data.batches(s.batchSize, { start: lo, end: hi })[Symbol.asyncIterator]();
    for (;;) {
      const next = await phase('decode', () => batches.next());
      if (next.done) break;
      const b = next.value;
      const tick: Tick = (share, note) => s.onBatch?.({ ...progress, done: progress.done + share * (b.indices.length + b.errors.length), note });
      const { samples, rows } = await batchRows(kind, s, b, done, ctx, tick);
      if (samples.length === 0) continue;
      await phase('store', () => run.appendBatch(samples, rows));
      count(totals, samples.length, rows[kind.tables[0]] ?? []);
      progress.done += samples.length; progress.rows = totals.rows; progress.kept = totals.kept;
      s.onBatch?.(progress);
    }
    await kind.finish?.(s, run);
    return { out: s.out, ...totals, resumedFrom, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await warm;
    run.close();
  }
}

function count(t: RunTotals, samples: number, rows: readonly { status: string }[]) {
  t.samples += samples;
  for (const r of rows) {
    t.rows++;
    if (r.status === 'kept') t.kept++; else if (r.status === 'filtered') t.filtered++; else if (r.status === 'excluded') t.excluded++; else t.errors++;
  }
}

/**
 * One batch's sample rows and result rows (samples in `done` skipped). Exported for the in-memory
 * summaries that need no run file (osrScores).
 */
export async function batchRows<S extends RunBase>(kind: RunKind<S>, s: S, b: Batch, done: Set<number>, ctx: RunContext, tick: Tick = () => {}): Promise<{ samples: SampleRow[]; rows: ResultRows }> {
  const samples: SampleRow[] = [], parts: ResultRows[] = [];
  const fail = (ref: SampleRef, reason: string, rowReason: string) => {
    samples.push({ sample_index: ref.index, sample_id: ref.id, label: ref.label, status: 'error', clean_pred: null, reason });
    parts.push(kind.failed(s, ref, rowReason));
  };
  for (const e of b.errors) if (!done.has(e.index)) fail({ id: e.id, index: e.index, label: null }, e.reason, `unreadable sample: ${e.reason}`);
  const todo = b.indices.map((idx, i) => (done.has(idx) ? -1 : i)).filter((i) => i >= 0);
  if (todo.length > 0) {
    const [, c, h, w] = b.shape, per = c * h * w;
    const data = todo.length === b.shape[0] ? b.data : rowsOf(b.data, per, todo);
    const logits = await s.model.predict(data, [todo.length, c, h, w]);
    const bad = new Set(nonFiniteRows(logits));
    const targets = argmax(logits);
    const good = todo.map((_, j) => j).filter((j) => !bad.has(j));
    todo.forEach((i, j) => {
      const ref = { id: b.ids[i], index: b.indices[i], label: storedLabel(b.labels[i]) };
      if (bad.has(j)) fail(ref, 'non-finite logits', 'non-finite logits of the clean image');
      else samples.push({ sample_index: ref.index, sample_id: ref.id, label: ref.label, status: 'ok', clean_pred: targets[j], reason: null });
    });
    if (good.length > 0) {
      const all = good.length === todo.length, k = logits.classes;
      parts.push(await kind.score(s, {
        ids: good.map((j) => b.ids[todo[j]]), indices: good.map((j) => b.indices[todo[j]]),
        labels: Int32Array.from(good, (j) => b.labels[todo[j]]),
        data: all ? data : rowsOf(data, per, good), shape: [good.length, c, h, w],
        targets: Int32Array.from(good, (j) => targets[j]),
        logits: { data: all ? logits.data : rowsOf(logits.data, k, good), n: good.length, classes: k },
      }, ctx, tick));
    }
  }
  return { samples, rows: concatRows(parts) };
}

function concatRows(parts: ResultRows[]): ResultRows {
  const out: Record<string, object[]> = {};
  for (const p of parts) for (const [t, r] of Object.entries(p)) (out[t] ??= []).push(...(r as object[]));
  return out as ResultRows;
}

/** Rows `keep` of a row-major array with `per` values a row. */
export function rowsOf<T extends Float32Array | Float64Array>(data: T, per: number, keep: readonly number[]): T {
  const out = new (data.constructor as { new (n: number): T })(keep.length * per);
  keep.forEach((i, j) => out.set(data.subarray(i * per, (i + 1) * per), j * per));
  return out;
}
