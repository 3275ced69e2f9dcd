/**
 * `fass compare-metrics` (issue 5; SPEC.md section 7's last bullets): for two models (a well- and a
 * poorly-trained one), run OSR, robustness, faithfulness and the stability suite on the same data,
 * methods and seed, rank the methods under each metric per model, and measure how much the two
 * rankings agree with Kendall's tau-b. This tests the OSR paper's claim that OSR rankings stay put
 * across model quality while sensitivity rankings move.
 *
 * Every run keeps its own run file under `out` (out/<model>/{osr,robustness,faithfulness,
 * stability}.duckdb), so an interrupted experiment resumes where it stopped: the runners skip
 * finished samples and refuse a run file made with another configuration.
 */
import { basename } from 'node:path';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/index.js';
import { UserError } from '../errors.js';
import type { ConfiguredMethod } from '../methods/registry.js';
import type { Model } from '../models/model.js';
import { TorchModel } from '../models/torch-model.js';
import { FaithfulnessOptions, type FaithfulnessName } from '../metrics/faithfulness.js';
import { osrConfig, type OsrConfig } from '../metrics/osr.js';
import { parseWith } from '../config/validate.js';
import { presetValues } from '../config/presets.js';
import { higherIsBetter } from '../metrics/metric.js';
import { rankAgreement, rankMethods, type MethodMean, type RankAgreement, type RankedMethod } from '../metrics/ranking.js';
import { RobustnessOptions, type RobustnessName } from '../metrics/robustness.js';
import type { Reduction, SimilarityMetric } from '../metrics/similarity.js';
import type { PerturbationSpec } from '../perturb/index.js';
import { summarise } from '../store/aggregate.js';
import { summariseOsr } from '../store/osr-aggregate.js';
import { withRun } from '../store/run-file.js';
import { metricMeans } from '../store/score-aggregate.js';
import { FaithfulnessBatch, runFaithfulness } from './faithfulness.js';
import { readSummary } from './metric-run.js';
import { OsrK, runOsr } from './osr.js';
import { RobustnessBatch, runRobustness } from './robustness.js';
import { runStability, StabilityBatch } from './stability.js';

export const COMPARE_METRICS = ['osr', 'max_sensitivity', 'avg_sensitivity', 'local_lipschitz', 'fass', 'deletion', 'insertion'] as const;
export type CompareMetric = (typeof COMPARE_METRICS)[number];

/** Which run gives each metric (its direction is the metric's own: metrics/metric.ts). */
export const COMPARE_METRIC_PHASE: Record<CompareMetric, Phase> = {
  osr: 'osr', max_sensitivity: 'robustness', avg_sensitivity: 'robustness', local_lipschitz: 'robustness',
  fass: 'stability', deletion: 'faithfulness', insertion: 'faithfulness',
};

export const PHASES = ['osr', 'robustness', 'faithfulness', 'stability'] as const;
export type Phase = (typeof PHASES)[number];

export function parseCompareMetrics(list: string | readonly string[]): CompareMetric[] {
  const names = (typeof list === 'string' ? list.split(',') : [...list]).map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UserError(`--metrics is empty: expected some of ${COMPARE_METRICS.join(', ')}`);
  const seen = new Set<string>();
  for (const n of names) {
    if (!(COMPARE_METRICS as readonly string[]).includes(n)) throw new UserError(`--metrics: unknown metric '${n}': expected some of ${COMPARE_METRICS.join(', ')}`);
    if (seen.has(n)) throw new UserError(`--metrics: '${n}' is named twice`);
    seen.add(n);
  }
  return COMPARE_METRICS.filter((m) => seen.has(m));
}

/** The runs the metrics need, in the order they run (cheap ones first, OSR last). */
export function phasesFor(metrics: readonly CompareMetric[]): Phase[] {
  const need = new Set(metrics.map((m) => COMPARE_METRIC_PHASE[m]));
  return (['robustness', 'faithfulness', 'stability', 'osr'] as Phase[]).filter((p) => need.has(p));
}

/** A model's folder name under `out`: its file name without the extension; two equal names get -a, -b. */
export function modelLabels(paths: [string, string]): [string, string] {
  const base = (p: string) => basename(p).replace(/\.(ts\.pt|pt|pth|onnx)$/i, '').replace(/[^A-Za-z0-9._-]/g, '_') || 'model';
  const [a, b] = paths.map(base);
  return a === b ? [`${a}-a`, `${b}-b`] : [a, b];
}

export interface CompareSpec {
  models: [Model, Model];
  data: Dataset;
  methods: ConfiguredMethod[];
  metrics: CompareMetric[];
  seed: number;
  /** Folder of the run files, compare.json and the report. */
  out: string;
  osr: { options: OsrConfig; k: number };
  robustness: { options: RobustnessOptions; batchSize: number; reduce: Reduction };
  faithfulness: { options: FaithfulnessOptions; batchSize: number };
  stability: { perturbations: PerturbationSpec[]; metrics: SimilarityMetric[]; reduce: Reduction; preset: string; batchSize: number };
  internalBatchSize?: number;
  onPhase?: (e: PhaseEvent) => void;
  onProgress?: (model: string, phase: Phase, done: number, total: number, info: string) => void;
}

export interface PhaseEvent { model: string; phase: Phase; event: 'start' | 'end'; run: string; seconds?: number; samples?: number; resumedFrom?: number }
export interface PhaseTiming { model: string; phase: Phase; run: string; seconds: number; samples: number; resumedFrom: number }

export interface MetricComparison {
  metric: CompareMetric;
  higherIsBetter: boolean;
  /** Per model (in --models order), every method: rank (null: no data, with the reason), mean and n. */
  rankings: [RankedMethod[], RankedMethod[]];
  agreement: RankAgreement;
}

export interface CompareResult {
  command: 'compare-metrics';
  models: { label: string; path: string; dir: string }[];
  data: string;
  n: number;
  seed: number;
  methods: string[];
  metrics: CompareMetric[];
  settings: Record<string, unknown>;
  comparisons: MetricComparison[];
  verdict: string;
  timings: PhaseTiming[];
}

export function runPath(out: string, label: string, phase: Phase): string {
  return join(out, label, `${phase}.duckdb`);
}

/** Refuses models the requested metrics cannot run on, before any work starts. */
export function checkModels(models: Model[], metrics: readonly CompareMetric[]): void {
  const needsTorch = metrics.filter((m) => ['osr', 'deletion', 'insertion'].includes(m));
  for (const model of models) {
    if (needsTorch.length && !(model instanceof TorchModel)) {
      throw new UserError(`--models ${model.path}: ${needsTorch.join(', ')} need a TorchScript (.pt) model (they run the model natively); it is an ${model.kind} model. Use its TorchScript export, or leave those metrics out with --metrics`);
    }
  }
}

/** Runs one phase for one model and returns each requested metric's per-method means. */
async function runPhase(s: CompareSpec, model: Model, label: string, phase: Phase, timings: PhaseTiming[]): Promise<Map<CompareMetric, MethodMean[]>> {
  const path = runPath(s.out, label, phase);
  const wanted = s.metrics.filter((m) => COMPARE_METRIC_PHASE[m] === phase);
  const progress = (done: number, total: number, info: string) => s.onProgress?.(label, phase, done, total, info);
  const base = { model, data: s.data, methods: s.methods, seed: s.seed, internalBatchSize: s.internalBatchSize, out: path };
  s.onPhase?.({ model: label, phase, event: 'start', run: path });
  const t0 = performance.now();
  const out = new Map<CompareMetric, MethodMean[]>();
  let samples = 0, resumedFrom = 0;
  if (phase === 'osr') {
    const r = await runOsr({ ...base, options: s.osr.options, batchSize: s.osr.k,
      onBatch: (p) => progress(p.done, p.total, p.note ?? `${p.kept}/${p.rows} rows scored`) });
    samples = r.samples; resumedFrom = r.resumedFrom;
    const sum = await withRun(path, (f) => summariseOsr(f, s.seed));
    out.set('osr', sum.methods.map((m) => ({ method: m.method, mean: m.osr.mean, n: m.osr.n })));
  } else if (phase === 'robustness' || phase === 'faithfulness') {
    const onBatch = (p: { done: number; total: number; kept: number; rows: number }) => progress(p.done, p.total, `${p.kept}/${p.rows} rows kept`);
    const r = phase === 'robustness'
      ? await runRobustness({ ...base, metrics: wanted as RobustnessName[], options: s.robustness.options, reduce: s.robustness.reduce, batchSize: s.robustness.batchSize, onBatch })
      : await runFaithfulness({ ...base, metrics: wanted as FaithfulnessName[], options: s.faithfulness.options, batchSize: s.faithfulness.batchSize, onBatch });
    samples = r.samples; resumedFrom = r.resumedFrom;
    const means = metricMeans(await readSummary(path, s.seed));
    for (const m of wanted) out.set(m, means.filter((x) => x.metric === m).map((x) => ({ method: x.method, mean: x.mean, n: x.n })));
  } else {
    const r = await runStability({ ...base, perturbations: s.stability.perturbations, metrics: s.stability.metrics, filter: { kind: 'top1' },
      reduce: s.stability.reduce, batchSize: s.stability.batchSize, gallery: 0, preset: s.stability.preset,
      onBatch: (p) => progress(p.done, p.total, `${p.kept}/${p.rows} pairs kept`) });
    samples = r.samples; resumedFrom = r.resumedFrom;
    const sum = await withRun(path, (f) => summarise(f, s.seed, 'top1'));
    out.set('fass', sum.ranking.map((r) => ({
      method: r.method, mean: r.fass, n: sum.cells.filter((c) => c.method === r.method).reduce((a, c) => a + c.metrics.fass.n, 0),
    })));
  }
  const seconds = (performance.now() - t0) / 1000;
  timings.push({ model: label, phase, run: path, seconds, samples, resumedFrom });
  s.onPhase?.({ model: label, phase, event: 'end', run: path, seconds, samples, resumedFrom });
  return out;
}

/** Every method named by the run gets a mean, null when the run has no row for it. */
function complete(means: MethodMean[], methods: string[]): MethodMean[] {
  const by = new Map(means.map((m) => [m.method, m]));
  return methods.map((name) => by.get(name) ?? { method: name, mean: null, n: 0 });
}

const f2 = (v: number | null) => (v === null ? 'undefined' : v.toFixed(2));

/** One plain sentence on the OSR paper's claim, from the taus. */
export function verdict(cs: MetricComparison[]): string {
  const tau = (m: string) => cs.find((c) => c.metric === m)?.agreement;
  const osr = tau('osr');
  const sens = (['max_sensitivity', 'avg_sensitivity', 'local_lipschitz'] as const).filter((m) => tau(m));
  if (!osr) return 'OSR was not measured (--metrics leaves it out): the OSR paper\'s claim is not tested.';
  if (osr.tau === null) return `OSR tau is undefined (${osr.reason}): the OSR paper's claim cannot be judged.`;
  if (sens.length === 0) return `OSR tau ${f2(osr.tau)} over ${osr.n} methods; no sensitivity metric was measured to compare it with.`;
  const parts = sens.map((m) => `${m} tau ${f2(tau(m)!.tau)}`);
  const defined = sens.filter((m) => tau(m)!.tau !== null);
  const cmp = (m: string) => Math.sign(Math.round((osr.tau! - tau(m)!.tau!) * 1e9));
  const below = defined.filter((m) => cmp(m) > 0), same = defined.filter((m) => cmp(m) === 0), above = defined.filter((m) => cmp(m) < 0);
  const head = `OSR tau ${f2(osr.tau)} vs ${parts.join(', ')} (${osr.n} methods)`;
  if (defined.length === 0) return `${head}: no sensitivity tau is defined, so the claim cannot be judged.`;
  if (below.length === defined.length) return `${head}: OSR rankings agree more across the two models than the sensitivity rankings, as the OSR paper claims.`;
  if (above.length === defined.length) return `${head}: OSR rankings agree less across the two models than the sensitivity rankings, against the OSR paper's claim.`;
  if (same.length === defined.length) return `${head}: OSR rankings agree exactly as much as the sensitivity rankings; the claimed difference does not show.`;
  const list = (ms: string[]) => ms.join(', ');
  return `${head}: OSR rankings agree more than ${below.length ? list(below) : 'none'}${same.length ? `, as much as ${list(same)}` : ''}${above.length ? `, less than ${list(above)}` : ''}: the OSR paper's claim holds only in part.`;
}

export function compareSettings(s: CompareSpec): Record<string, unknown> {
  return {
    osr: { ...s.osr.options, k: s.osr.k },
    robustness: { ...s.robustness.options, reduce: s.robustness.reduce, batch_size: s.robustness.batchSize },
    faithfulness: { ...s.faithfulness.options, batch_size: s.faithfulness.batchSize },
    stability: { preset: s.stability.preset, perturbations: s.stability.perturbations.map((p) => p.id), batch_size: s.stability.batchSize },
    device: s.models[0].device,
  };
}

/** The experiment's settings from what a caller chose; every other value is its owner's default. */
export function compareSpec(o: {
  models: [Model, Model]; data: Dataset; methods: ConfiguredMethod[]; metrics: CompareMetric[]; seed: number; out: string; internalBatchSize?: number;
  osr?: Partial<OsrConfig>; k?: number; samples?: number; perturbations?: PerturbationSpec[];
}): CompareSpec {
  const values = presetValues('default');
  return {
    models: o.models, data: o.data, methods: o.methods, metrics: o.metrics, seed: o.seed, out: o.out, internalBatchSize: o.internalBatchSize,
    osr: { options: osrConfig(o.osr), k: parseWith(OsrK, o.k, 'k', 'option') },
    robustness: { options: parseWith(RobustnessOptions, { samples: o.samples }, 'robustness options', 'option'), batchSize: RobustnessBatch.parse(undefined), reduce: 'sum' },
    faithfulness: { options: parseWith(FaithfulnessOptions, {}, 'faithfulness options', 'option'), batchSize: FaithfulnessBatch.parse(undefined) },
    stability: { perturbations: o.perturbations ?? values.perturbations, metrics: values.metrics, reduce: values.reduce, preset: 'default', batchSize: StabilityBatch.parse(undefined) },
  };
}

/** What the experiment will run, line by line (printed before it starts, and by --dry-run). */
export function comparePlan(spec: Omit<CompareSpec, 'onPhase' | 'onProgress'>, labels: [string, string]): string[] {
  const phases = phasesFor(spec.metrics);
  const what = (p: string) => {
    const ms = spec.metrics.filter((m) => COMPARE_METRIC_PHASE[m] === p).join(', ');
    if (p === 'osr') return `osr (${ms}): ${spec.osr.options.ganSamples} GAN samples per image after ${spec.osr.options.ganEpochs} epochs of ${spec.osr.options.ganCopies} copies, ${spec.osr.k} GANs at once`;
    if (p === 'robustness') return `robustness (${ms}): ${spec.robustness.options.samples} neighbours per image and noise kind`;
    if (p === 'faithfulness') return `faithfulness (${ms})`;
    const ps = spec.stability.perturbations;
    return `stability (${ms}): ${ps.length} perturbations (${ps.length <= 8 ? ps.map((q) => q.id).join(', ') : `${ps.slice(0, 4).map((q) => q.id).join(', ')}, ... ${ps[ps.length - 1].id}`})`;
  };
  return [
    `compare-metrics: ${spec.methods.length} methods x ${spec.data.size} images x 2 models on ${spec.data.name}, seed ${spec.seed}, device ${spec.models[0].device}`,
    `models    A ${labels[0]}: ${spec.models[0].path}`,
    `          B ${labels[1]}: ${spec.models[1].path}`,
    `methods   ${spec.methods.map((m) => m.method.name).join(', ')}`,
    `metrics   ${spec.metrics.join(', ')}`,
    ...phases.map((p, i) => `${i ? '         ' : 'runs     '} ${what(p)}`),
    ...labels.map((l, i) => `${i ? '         ' : 'files    '} ${join(spec.out, l, `{${phases.join(',')}}.duckdb`)}`),
  ];
}

export async function runCompareMetrics(s: CompareSpec): Promise<CompareResult> {
  checkModels(s.models, s.metrics);
  const labels = modelLabels([s.models[0].path, s.models[1].path]);
  const methods = s.methods.map((m) => m.method.name);
  const timings: PhaseTiming[] = [];
  const per: Map<CompareMetric, MethodMean[]>[] = [];
  for (const [i, model] of s.models.entries()) {
    mkdirSync(join(s.out, labels[i]), { recursive: true });
    const got = new Map<CompareMetric, MethodMean[]>();
    for (const phase of phasesFor(s.metrics)) for (const [m, v] of await runPhase(s, model, labels[i], phase, timings)) got.set(m, v);
    per.push(got);
  }
  const comparisons = s.metrics.map((metric): MetricComparison => {
    const dir = higherIsBetter(metric);
    const rankings = per.map((p) => rankMethods(complete(p.get(metric) ?? [], methods), dir)) as [RankedMethod[], RankedMethod[]];
    return { metric, higherIsBetter: dir, rankings, agreement: rankAgreement(rankings[0], rankings[1], labels) };
  });
  const result: CompareResult = {
    command: 'compare-metrics',
    models: s.models.map((m, i) => ({ label: labels[i], path: m.path, dir: join(s.out, labels[i]) })),
    data: s.data.name, n: s.data.size, seed: s.seed, methods, metrics: s.metrics, settings: compareSettings(s),
    comparisons, verdict: verdict(comparisons), timings,
  };
  writeJson(join(s.out, 'compare.json'), result);
  return result;
}

export function writeJson(path: string, value: unknown): void {
  writeFileSync(path + '.partial', JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  renameSync(path + '.partial', path);
}
