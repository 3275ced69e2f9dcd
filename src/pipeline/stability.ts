/**
 * The FASS run (SPEC.md sections 3-5): for each batch, predict the clean images, perturb them
 * (every perturbation and severity of the plan), keep the pairs whose prediction holds, attribute
 * both twins, align the twin's maps, and score their similarity over the valid mask. Each batch is
 * one transaction of the run file: a run stopped at any moment (Ctrl-C, kill -9) resumes where it
 * stopped, and results do not depend on batch size, shard or resume.
 */
import { UserError } from '../errors.js';
import { batchSizeOption } from '../config/options.js';
import type { ConfiguredMethod } from '../methods/registry.js';
import { deriveSeed, seedsFor } from '../methods/seeds.js';
import type { Attribution, AttributionInput, RunContext } from '../methods/types.js';
import { argmax, nonFiniteRows } from '../models/model.js';
import { similarity, type Reduction, type SimilarityMetric } from '../metrics/similarity.js';
import { align, perturb, validMask, type PerturbationSpec } from '../perturb/index.js';
import { TorchModel } from '../models/torch-model.js';
import type { GalleryRow, PairRow, ResultRows, SimilarityColumn } from '../store/schema.js';
import { galleryStrip } from '../report/strip.js';
import { writeReport } from '../report/html.js';
import { summarise } from '../store/aggregate.js';
import { agreementRows } from './agreement.js';
import { phase } from './profile.js';
import { ChanceScores, ControlsOption, readPartners, type Controls, type Partners } from './chance.js';
import { baseConfig, rowsOf as rows, runKind, shardRange, type CleanBatch, type RunBase, type RunKind, type RunResult, type SampleRef, type Tick } from './runner.js';
import { readTensor } from '../native.js';

export type Filter = { kind: 'top1' } | { kind: 'none' } | { kind: 'margin'; delta: number };

/** top1, none or margin:DELTA (SPEC.md section 4). */
export function parseFilter(v: string): Filter {
  if (v === 'top1' || v === 'none') return { kind: v };
  const m = /^margin:([0-9.eE+-]+)$/.exec(v);
  if (m && Number.isFinite(Number(m[1])) && Number(m[1]) >= 0) return { kind: 'margin', delta: Number(m[1]) };
  throw new UserError(`--filter ${v}: expected top1, none or margin:DELTA (DELTA >= 0, in logits)`);
}

export interface StabilitySpec extends RunBase {
  perturbations: PerturbationSpec[];
  /** The similarity metrics, keyed by the run file's columns (ssim, spearman, topk_jaccard, fass, ...). */
  metrics: SimilarityMetric[];
  filter: Filter;
  reduce: Reduction;
  /** Samples (from the start of the shard) whose strips go to the report's gallery. */
  gallery: number;
  /** Recorded in the run's configuration, so resuming with another preset is refused. */
  preset?: string;
  /** chance (the default, ControlsOption) or none: chance.ts. */
  controls?: Controls;
}

/** The run's totals; `pairs` is its rows: one per (sample, perturbation, method). */
export interface StabilityResult extends RunResult { pairs: number }

/** What a run is: a resumed or merged run must match it (batch size and threads are not part of it). */
export function runConfig(s: StabilitySpec): Record<string, unknown> {
  return {
    ...baseConfig(s),
    // The forward backend rounds differently (to ~1e-6): a resumed run must keep it.
    forward: s.model instanceof TorchModel ? s.model.forwardBackend : s.model.kind,
    perturbations: s.perturbations.map((p) => p.id), preset: s.preset ?? null,
    filter: s.filter.kind === 'margin' ? `margin:${s.filter.delta}` : s.filter.kind,
    reduce: s.reduce, metrics: s.metrics.map((m) => ({ key: m.key, ...m.params })),
    shard: s.shard ? `${s.shard.k}/${s.shard.n}` : null, controls: controlsOf(s),
    // Only when not fp32, so run files written before precision existed still resume and merge.
    ...(s.model.precision !== 'fp32' ? { precision: s.model.precision } : {}),
  };
}

/** Images per batch of a stability run. */
export const StabilityBatch = batchSizeOption(64);

/** The stability run kind: one `pairs` row per (sample, perturbation, method), gallery strips. */
export const stabilityKind: RunKind<StabilitySpec> = {
  command: 'stability',
  tables: ['pairs', 'gallery', 'agreement'],
  config: runConfig,
  summarise: (f, c) => summarise(f, Number(c.seed ?? 0), String(c.filter ?? 'top1')),
  report: async (f, c, path, extra) => writeReport(f, await summarise(f, Number(c.seed ?? 0), String(c.filter ?? 'top1')), path, extra?.sanity),
  failed: (s, ref, reason) => ({ pairs: errorPairs(s, ref, reason) }),
  score: scoreBatch,
  // The forward lane takes the gradient lane's cores once that is done, where the twin has a spare session.
  lanes: (s) => methodLanes(s).map((lane, i) => ({
    methods: lane.map((m) => m.method.name), borrows: i > 0 && s.model instanceof TorchModel && s.model.twinSpares > 0,
  })),
};

const controlsOf = (s: StabilitySpec): Controls => s.controls ?? ControlsOption.parse(undefined);

export async function runStability(s: StabilitySpec): Promise<StabilityResult> {
  const r = await runKind(stabilityKind, s);
  return { ...r, pairs: r.rows };
}

interface Clean extends CleanBatch { logitT: Float64Array; maps: Attribution[]; lo: number; chance: ChanceScores | null }

/** One error row per (sample, perturbation, method): nothing the plan names disappears. */
function errorPairs(s: StabilitySpec, ref: SampleRef, reason: string): PairRow[] {
  return s.perturbations.flatMap((p) => s.methods.map((m) => ({
    sample_index: ref.index, sample_id: ref.id, perturbation: p.id, family: p.family, name: p.name, severity: p.severity, method: m.method.name,
    status: 'error' as const, clean_pred: null, perturbed_pred: null, prediction_changed: null, logit_change: null, scores: {}, reason,
  })));
}

async function scoreBatch(s: StabilitySpec, b: CleanBatch, ctx: RunContext, tick: Tick): Promise<ResultRows> {
  const pairs: PairRow[] = [], gallery: GalleryRow[] = [];
  const clean: Clean = {
    ...b, logitT: Float64Array.from(b.targets, (c, i) => b.logits.data[i * b.logits.classes + c]), maps: [],
    lo: shardRange(s.data.size, s.shard)[0], chance: null,
  };
  const groups = perturbationGroups(s.perturbations, clean.data.length);
  // A group's perturbations and their predictions are made while the methods explain what comes
  // before it (the clean maps, the previous group): the model's lanes do not wait on them. The
  // first group's, with two lanes, once one lane is done with the clean maps: in the other's time,
  // not taking a core from both lanes' first calls.
  const prepare = (g: number) => (g < groups.length ? settledLater(prepareGroup(s, groups[g], clean)) : null);
  let next: Promise<PreparedGroup> | null | undefined;
  const prepareFirst = () => { if (next === undefined) next = prepare(0); };
  if (methodLanes(s).length === 1) prepareFirst();
  // The partners (chance level) are read first, so that one call per method explains the clean
  // batch and its partners together: fewer, fuller calls, and a row's map does not depend on its
  // batch. Both twins are explained with the same draws (common random numbers): a stochastic
  // method's own noise then does not count as instability.
  const partners = controlsOf(s) === 'chance' ? await readPartners(s, clean.indices) : null;
  const first = withRows(clean, partners?.input ?? null);
  const maps = await eachMethod(s, (m) => m.method.run(s.model, { ...first.input, seeds: seedsFor(s.seed, first.ids, 'none', m.method.name) }, m.params, ctx), undefined, prepareFirst);
  prepareFirst();
  const n = clean.ids.length;
  clean.maps = maps.map((a) => attributionRows(a, 0, n));
  const agreement = controlsOf(s) === 'chance' ? await agreementRows(s.methods.map((m) => m.method.name), clean.maps, clean.ids, clean.indices, s.reduce) : [];
  if (partners) {
    const partnerMaps = partners.input ? maps.map((a) => attributionRows(a, n, a.shape[0])) : [];
    clean.chance = new ChanceScores({ row: partners.row, reason: partners.reason, maps: partnerMaps }, s.metrics, s.reduce, sideThreads(s));
  }
  for (let g = 0; g < groups.length; g++) {
    const prepared = await next!;
    next = prepare(g + 1);
    await runGroup(s, prepared, clean, ctx, pairs, gallery, (k) => tick((g + (k + 1) / s.methods.length) / groups.length));
  }
  return { pairs, gallery, agreement };
}

/** The clean batch with the partners' rows after its own (when there are any), and every row's id. */
function withRows(clean: Clean, extra: Partners['input']): { input: Omit<AttributionInput, 'seeds'>; ids: string[] } {
  if (!extra) return { input: { data: clean.data, shape: clean.shape, targets: clean.targets }, ids: clean.ids };
  const data = new Float32Array(clean.data.length + extra.data.length);
  data.set(clean.data);
  data.set(extra.data, clean.data.length);
  const [n, c, h, w] = clean.shape;
  const targets = new Int32Array(n + extra.targets.length);
  targets.set(clean.targets);
  targets.set(extra.targets, n);
  return { input: { data, shape: [n + extra.shape[0], c, h, w], targets }, ids: [...clean.ids, ...extra.ids] };
}

/** Rows [start, end) of a method's result: its maps and per-row extras (views, not copies). */
function attributionRows(a: Attribution, start: number, end: number): Attribution {
  const [, c, h, w] = a.shape, per = c * h * w;
  const extras = a.extras && Object.fromEntries(Object.entries(a.extras).map(([k, v]) => [k, v.subarray(start, end)]));
  return { maps: a.maps.subarray(start * per, end * per), shape: [end - start, c, h, w], cost: a.cost, ...(extras ? { extras } : {}) };
}

/** p, marked handled: a run that fails before awaiting it does not also end on its rejection. */
function settledLater<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

/**
 * Most pixel values of one group's perturbed images (2^25 floats, 128 MB; the next group is made
 * while one is explained, so two may be held at once). Perturbations are taken in groups up to
 * this size so that each method explains the kept twins of a whole group in one call: fewer,
 * fuller model calls (on 28 x 28 images the 30 default perturbations of a batch of 64 are one
 * group). A sample's result does not depend on the group: rows are explained independently (CPU
 * model calls have a fixed row count; see ScriptModel::kernel_batch).
 */
const GROUP_VALUES = 2 ** 25;

export function perturbationGroups(all: PerturbationSpec[], valuesPerPerturbation: number): PerturbationSpec[][] {
  const size = Math.max(1, Math.floor(GROUP_VALUES / Math.max(1, valuesPerPerturbation)));
  const out: PerturbationSpec[][] = [];
  for (let i = 0; i < all.length; i += size) out.push(all.slice(i, i + size));
  return out;
}

/** Methods that need forward passes only: they run on a forward twin when the model has one. */
const forwardOnly = (m: ConfiguredMethod) => m.method.needs.every((n) => n === 'forward');

/** The lanes eachMethod runs side by side: gradient methods and forward-only ones with a forward twin, else one. */
export function methodLanes(s: Pick<StabilitySpec, 'model' | 'methods'>): ConfiguredMethod[][] {
  const twin = s.model instanceof TorchModel && s.model.forwardBackend === 'onnxruntime';
  return twin && hasBothLanes(s.methods) ? [s.methods.filter((m) => !forwardOnly(m)), s.methods.filter(forwardOnly)] : [s.methods];
}

/**
 * Threads for the work that runs beside the methods' calls (perturbing the next group, aligning and
 * scoring the last method's maps): one where two lanes hold every core between them, as a second
 * thread would take a core from a lane's model calls (a Grad-CAM call beside two-thread
 * similarity took nearly twice as long); otherwise the engine's default.
 */
export function sideThreads(s: Pick<StabilitySpec, 'model' | 'methods'>): number | undefined {
  return methodLanes(s).length > 1 ? 1 : undefined;
}

/** Whether these methods make two lanes (see eachMethod) on a model with a forward twin. */
export function hasBothLanes(methods: readonly ConfiguredMethod[]): boolean {
  return methods.some(forwardOnly) && !methods.every(forwardOnly);
}

/**
 * fn(method, k) for every method, results in method order. With an ONNX forward twin, methods that
 * need only forward passes (onnxruntime) run in a lane beside those that need gradients
 * (LibTorch), each lane in method order: one backend's idle moments (its single-threaded kernels,
 * the hops between threads) are then the other's working time, and the CLI gives each backend
 * half the threads (LoadOptions.splitThreads). A method's maps do not depend on what runs beside
 * it. then(result, k), if given, takes each result as it comes, beside the lane's next method
 * (before it, with two lanes); laneDone(), if given, is called as each lane ends.
 */
async function eachMethod<T, U = T>(
  s: StabilitySpec, fn: (m: ConfiguredMethod, k: number) => Promise<T>,
  then: (r: T, k: number) => Promise<U> = async (r) => r as unknown as U, laneDone?: () => void,
): Promise<U[]> {
  const lanes = methodLanes(s);
  // Once the gradient lane (the first of two) is done, its cores take the forward lane's calls
  // too (the twin's spare session), until this call ends.
  const lend = (on: boolean) => { if (lanes.length > 1 && s.model instanceof TorchModel) s.model.lendToTwin(on); };
  const out: Promise<U>[] = [];
  const settled = await Promise.allSettled(lanes.map(async (lane, i) => {
    try {
      for (const m of lane) {
        const k = s.methods.indexOf(m);
        out[k] = settledLater(then(await fn(m, k), k));
        // One lane: `then` (scoring the maps) runs beside the lane's next method, on a core its
        // calls leave idle at times. Two lanes hold every core: there it would only take a share
        // of one from the next method (Grad-CAM's whole call ran beside the scoring before it),
        // so it comes first.
        if (lanes.length > 1) await out[k];
      }
    } finally {
      if (i === 0) lend(true);
    }
    laneDone?.();
  }));
  lend(false);
  for (const r of settled) if (r.status === 'rejected') throw r.reason;
  return Promise.all(out);
}

/** One perturbation's twins inside a group: their pixels, predictions and kept rows. */
interface Twins { p: PerturbationSpec; data: Float32Array; pred: Int32Array; bad: Set<number>; change: Float64Array; keep: number[] }

/** A group's twins, predicted and filtered, and the rows the filter decided. */
interface PreparedGroup { twins: Twins[]; decided: PairRow[][][] }

/** Perturbs the clean batch by every perturbation of the group, predicts the twins and filters them. */
async function prepareGroup(s: StabilitySpec, group: PerturbationSpec[], clean: Clean): Promise<PreparedGroup> {
  const [n, c, h, w] = clean.shape, per = c * h * w;
  const all = new Float32Array(group.length * n * per);
  for (const [g, p] of group.entries()) {
    const x2 = await phase('perturb', () => perturb({ data: clean.data, shape: clean.shape }, p, seedsFor(s.seed, clean.ids, p.id, 'perturb'), { threads: sideThreads(s) }));
    all.set(readTensor(x2) as Float32Array, g * n * per);
    x2.dispose();
  }
  const logits = await s.model.predict(all, [group.length * n, c, h, w]);
  const badAll = new Set(nonFiniteRows(logits)), predAll = argmax(logits);
  const twins: Twins[] = group.map((p, g) => {
    const rowsOf = (i: number) => g * n + i;
    const pred = Int32Array.from({ length: n }, (_, i) => predAll[rowsOf(i)]);
    const bad = new Set(Array.from({ length: n }, (_, i) => i).filter((i) => badAll.has(rowsOf(i))));
    const change = Float64Array.from({ length: n }, (_, i) => logits.data[rowsOf(i) * logits.classes + clean.targets[i]] - clean.logitT[i]);
    return { p, data: all.subarray(g * n * per, (g + 1) * n * per), pred, bad, change, keep: [] };
  });
  const decided: PairRow[][][] = twins.map(() => clean.ids.map(() => []));
  for (const [g, t] of twins.entries()) decide(s, t, clean, decided[g]);
  return { twins, decided };
}

/** Explains a prepared group's kept twins with every method and scores them against the clean maps. */
async function runGroup(s: StabilitySpec, { twins, decided }: PreparedGroup, clean: Clean, ctx: RunContext, pairs: PairRow[], gallery: GalleryRow[], methodDone: (k: number) => void) {
  const [, c, h, w] = clean.shape, per = c * h * w;
  // Every kept twin of the group, in (perturbation, sample) order: one attribution call per method.
  const order = twins.flatMap((t, g) => t.keep.map((i) => ({ g, i })));
  if (order.length) {
    const kept = {
      data: new Float32Array(order.length * per), shape: [order.length, c, h, w] as [number, number, number, number],
      targets: Int32Array.from(order, ({ i }) => clean.targets[i]),
    };
    order.forEach(({ g, i }, r) => kept.data.set(twins[g].data.subarray(i * per, (i + 1) * per), r * per));
    let finished = 0;
    const scored = await eachMethod(s, (m) => {
      // The twin uses its clean sample's draws (common random numbers), unless the method's draws
      // are its perturbation's own (the random control).
      const seeds = m.method.sharesDraws === false
        ? Uint32Array.from(order, ({ g, i }) => deriveSeed(s.seed, clean.ids[i], twins[g].p.id, m.method.name))
        : seedsFor(s.seed, order.map(({ i }) => clean.ids[i]), 'none', m.method.name);
      return m.method.run(s.model, { ...kept, seeds }, m.params, ctx);
    }, async (twin, k) => {
      const out = { decided: twins.map(() => clean.ids.map((): PairRow[] => [])), gallery: [] as GalleryRow[] };
      let first = 0;
      for (const [g, t] of twins.entries()) {
        await scorePerturbation(s, t, clean, k, twin, first, out.decided[g], out.gallery);
        first += t.keep.length;
      }
      methodDone(finished++);
      return out;
    });
    // Rows in method order, whichever lane finished first.
    for (const r of scored) {
      r.decided.forEach((d, g) => d.forEach((rowsOf, i) => decided[g][i].push(...rowsOf)));
      gallery.push(...r.gallery);
    }
  }
  for (const d of decided) for (const r of d) pairs.push(...r);
}

/** The pair's two maps' extras: row i of the clean call, row r of the twins' call. */
function mapExtras(clean: Attribution, i: number, twin: Attribution, r: number): PairRow['extras'] {
  const at = (a: Attribution, name: string, row: number) => a.extras?.[name]?.[row];
  return {
    clean_gap: at(clean, 'completeness_gap', i), twin_gap: at(twin, 'completeness_gap', r),
    clean_steps: at(clean, 'steps', i), twin_steps: at(twin, 'steps', r),
  };
}

function pairBase(t: Twins, clean: Clean, i: number, method: string): PairRow {
  const p = t.p, bad = t.bad.has(i);
  return {
    sample_index: clean.indices[i], sample_id: clean.ids[i], perturbation: p.id, family: p.family, name: p.name, severity: p.severity, method,
    status: 'kept', clean_pred: clean.targets[i], perturbed_pred: bad ? null : t.pred[i], prediction_changed: bad ? null : t.pred[i] !== clean.targets[i],
    logit_change: bad ? null : t.change[i], scores: {}, reason: null,
  };
}

/** The filter (SPEC.md section 4): fills t.keep, and decides the rows of the twins it drops. */
function decide(s: StabilitySpec, t: Twins, clean: Clean, decided: PairRow[][]) {
  for (let i = 0; i < clean.ids.length; i++) {
    const changed = t.pred[i] !== clean.targets[i];
    const passes = s.filter.kind === 'none' || (!changed && (s.filter.kind === 'top1' || Math.abs(t.change[i]) <= s.filter.delta));
    if (t.bad.has(i)) s.methods.forEach((m) => decided[i].push({ ...pairBase(t, clean, i, m.method.name), status: 'error', reason: 'non-finite logits of the perturbed image' }));
    else if (passes) t.keep.push(i);
    else s.methods.forEach((m) => decided[i].push({ ...pairBase(t, clean, i, m.method.name), status: 'filtered', reason: changed ? `prediction changed from ${clean.targets[i]} to ${t.pred[i]}` : `target logit moved by ${t.change[i].toFixed(4)} > ${(s.filter as { delta: number }).delta}` }));
  }
}

/** Aligns one perturbation's twin maps (rows [first, first + keep) of `twin`) and scores them. */
async function scorePerturbation(s: StabilitySpec, t: Twins, clean: Clean, k: number, twin: Attribution, first: number, decided: PairRow[][], gallery: GalleryRow[]) {
  if (t.keep.length === 0) return;
  const [, c, h, w] = clean.shape, per = c * h * w;
  const m = s.methods[k], p = t.p;
  const [, mc, mh, mw] = twin.shape, mapPer = mc * mh * mw;
  const shape: [number, number, number, number] = [t.keep.length, mc, mh, mw];
  const maps = twin.maps.subarray(first * mapPer, (first + t.keep.length) * mapPer);
  const alignedT = await phase('align', () => align({ data: maps, shape }, p, { threads: sideThreads(s) }));
  const aligned = readTensor(alignedT) as Float32Array;
  alignedT.dispose();
  const cleanMaps = rows(clean.maps[k].maps, mapPer, t.keep);
  const mask = validMask(p, mh, mw);
  const scores = await phase('similarity', () => similarity({ data: cleanMaps, shape }, { data: aligned, shape }, { metrics: s.metrics, mask: { data: mask, shape: [mh, mw] }, reduce: s.reduce, threads: sideThreads(s) }));
  const chance = clean.chance ? await phase('chance', () => clean.chance!.of(k, clean.maps[k], mask, mh, mw)) : null;
  t.keep.forEach((i, j) => {
    const row = pairBase(t, clean, i, m.method.name);
    row.extras = mapExtras(clean.maps[k], i, twin, first + j);
    const reasons: string[] = [];
    for (const metric of s.metrics) {
      const r = scores[metric.key];
      row.scores[metric.key as SimilarityColumn] = r.scores[j];
      if (chance) (row.chance ??= {})[metric.key as SimilarityColumn] = chance[metric.key][i];
      if (r.reasons[j]) reasons.push(`${metric.key}: ${r.reasons[j]}`);
    }
    if (!cleanMaps.subarray(j * mapPer, (j + 1) * mapPer).every(Number.isFinite) || !maps.subarray(j * mapPer, (j + 1) * mapPer).every(Number.isFinite)) {
      row.status = 'error';
      reasons.unshift('the map has NaN or infinite values');
    }
    row.reason = reasons.length ? reasons.join('; ') : null;
    decided[i].push(row);
    if (clean.indices[i] - clean.lo < s.gallery) {
      gallery.push({ sample_index: clean.indices[i], sample_id: clean.ids[i], perturbation: p.id, method: m.method.name,
        png: galleryStrip(clean.data.subarray(i * per, (i + 1) * per), t.data.subarray(i * per, (i + 1) * per), [c, h, w],
          cleanMaps.subarray(j * mapPer, (j + 1) * mapPer), aligned.subarray(j * mapPer, (j + 1) * mapPer), [mc, mh, mw]) });
    }
  });
}
