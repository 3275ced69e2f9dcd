/**
 * Attribution benchmarks: explained images/s for every method of the registry on the reference
 * CNN (1x28x28; TorchScript, and ONNX for the forward-only methods) and on a ResNet-18 at
 * 224x224 (torchvision, random weights; scripts/make-resnet.py resnet18), and IG's efficiency:
 *
 *   efficiency = n_steps x median(seconds of one forward+backward of the batch) / median(seconds of IG)
 *
 * with "one forward+backward of the batch" measured through our own engine as saliency (abs
 * false) on the same batch: exactly one forward and one backward pass of it. IG runs
 * riemann_trapezoid, 32 steps, black baseline (the setting; Captum's figures in
 * CAPTUM_REFERENCE were taken with it). Every row also carries the passes the method reported and
 * the seconds those passes predict from per-image forward and forward+backward references, so a
 * method far slower than its pass count says stands out.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { configure, METHODS, type Attribution, type AttributionInput, type RunContext } from '../src/methods/index.js';
import { occlusionGeometry } from '../src/methods/occlusion.js';
import { riseGrid } from '../src/methods/rise.js';
import { argmax, loadModel, TorchModel, type Model } from '../src/models/index.js';
import { native } from '../src/native.js';
import { defaultThreads } from '../src/util/threads.js';
import { prng } from '../src/util/prng.js';
import { machine, measure, median, type Measured } from './measure.js';

/** Captum 0.8 on this machine kind (2-core CPU), as the project's issue gives them. */
export const CAPTUM_REFERENCE = {
  source: "Captum 0.8 on this machine kind (2-core CPU), figures from the project's issue",
  cnn: {
    integrated_gradients: { images_per_s: 123, efficiency: 0.51, batch: 64, n_steps: 32, method: 'riemann_trapezoid', internal_batch: 'best' },
    saliency: { images_per_s: 7735, batch: 64 },
  },
  resnet18: {
    integrated_gradients: { images_per_s: 0.52, efficiency: 0.91, batch: 8, n_steps: 32, method: 'riemann_trapezoid' },
  },
};

const TARGET_EFFICIENCY = { cnn: 0.95, resnet18: 0.97 };
const IG_STEPS = 32;
const IG_EFFICIENCY_PARAMS = { n_steps: IG_STEPS, method: 'riemann_trapezoid', baseline: 'black' };
/** Saliency's parameters for one forward and one backward of the batch, nothing else. */
const FORWARD_BACKWARD = { abs: false };

/** How long benchmark.js samples a case: fast ones (well under a second a call) get a warm-up call first. */
const FAST = { maxTime: 2, minSamples: 5, warmup: true };
const SLOW = { maxTime: 0.1, minSamples: 3, warmup: false };
const SWEEP = { maxTime: 1, minSamples: 4, warmup: true };
type Timing = typeof FAST;

interface Case {
  method: string;
  /** Given to configure() with the name; {} = the method's defaults. */
  params: Record<string, unknown>;
  batch: number;
  timing: Timing;
  note?: string;
}

export interface Row extends Measured {
  method: string;
  backend: Model['kind'];
  batch: number;
  /** As given to configure(): empty when the defaults ran. */
  params: Record<string, unknown>;
  /** Every parameter after parsing (defaults filled in), plus what the method derives from the image size. */
  resolved: Record<string, unknown>;
  defaults: boolean;
  internal_batch: number | 'default';
  passes_per_call: { forward: number; backward: number };
  /** Seconds the passes predict from the per-image references; null when there are none. */
  predicted_s: number | null;
  /** median_s / predicted_s: about 1 when the method costs what its passes do. */
  slowdown_vs_passes: number | null;
  note?: string;
}

interface Batch {
  data: Float32Array;
  shape: [number, number, number, number];
  targets: Int32Array;
  seeds: Uint32Array;
}

interface PerImage {
  /** Seconds of one image forward (no gradients) and forward+backward, at the IG efficiency batch. */
  forward_s: number;
  forward_backward_s: number;
}

function first(b: Batch, n: number): AttributionInput {
  const [, c, h, w] = b.shape;
  if (n > b.shape[0]) throw new Error(`benchmark batch ${n} is larger than the ${b.shape[0]} images prepared`);
  return { data: b.data.subarray(0, n * c * h * w), shape: [n, c, h, w], targets: b.targets.subarray(0, n), seeds: b.seeds.subarray(0, n) };
}

/** What a method derives from its parameters and the image size, for the record. */
function resolvedParams(model: Model, method: string, parsed: Record<string, unknown>, shape: readonly number[]): Record<string, unknown> {
  const [, , h, w] = shape;
  const out: Record<string, unknown> = { ...parsed };
  if (method === 'occlusion') Object.assign(out, occlusionGeometry(parsed as never, h, w));
  if (method === 'rise') out.s = riseGrid(parsed as never, h, w);
  if (method === 'gradcam' && !parsed.layer && model instanceof TorchModel) out.layer = native().probeLayer(model.handle, '', 'auto', [...shape]).layer;
  return out;
}

function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

function fmtRate(r: number): string {
  return r >= 100 ? String(Math.round(r)) : r >= 1 ? r.toFixed(1) : r.toFixed(3);
}

/** Seconds that `passes` cost at the per-image reference rates; null without references. */
function predictedSeconds(passes: Row['passes_per_call'], perImage: PerImage | null): number | null {
  if (!perImage) return null;
  const forwardOnly = Math.max(0, passes.forward - passes.backward);
  return (passes.backward ? passes.backward * perImage.forward_backward_s : 0) + (forwardOnly ? forwardOnly * perImage.forward_s : 0);
}

/** The row with its prediction taken again from other per-image references. */
function repredict<R extends Row | ErrorRow>(r: R, perImage: PerImage): R {
  if ('error' in r) return r;
  const predicted_s = predictedSeconds(r.passes_per_call, perImage);
  return { ...r, predicted_s, slowdown_vs_passes: predicted_s ? r.median_s / predicted_s : null };
}

/** The record of one case: what ran, how fast, and what its passes predict. */
function rowOf(
  model: Model, c: Case, shape: readonly number[], params: unknown, m: Measured, cost: Attribution['cost'], ctx: RunContext, perImage: PerImage | null,
): Row {
  const passes = { forward: cost.forwardPasses, backward: cost.backwardPasses };
  const predicted = predictedSeconds(passes, perImage);
  return {
    ...m,
    method: c.method,
    backend: model.kind,
    batch: c.batch,
    params: c.params,
    resolved: resolvedParams(model, c.method, params as Record<string, unknown>, shape),
    defaults: Object.keys(c.params).length === 0,
    internal_batch: ctx.internalBatchSize ?? 'default',
    passes_per_call: passes,
    predicted_s: predicted,
    slowdown_vs_passes: predicted ? m.median_s / predicted : null,
    ...(c.note ? { note: c.note } : {}),
  };
}

function logRow(r: Row): void {
  const slow = r.slowdown_vs_passes !== null && Number.isFinite(r.slowdown_vs_passes) ? `, ${r.slowdown_vs_passes.toFixed(2)}x what its passes predict` : '';
  log(`  ${r.name}: ${fmtRate(r.units_per_s)} images/s (median ${r.median_s.toFixed(3)} s of ${r.samples}${slow})`);
}

/** A case that failed: recorded with the engine's message, and the suite goes on. */
export interface ErrorRow {
  method: string;
  backend: Model['kind'];
  batch: number;
  params: Record<string, unknown>;
  error: string;
}

async function tryCase(model: Model, images: Batch, c: Case, ctx: RunContext, perImage: PerImage | null): Promise<Row | ErrorRow> {
  try {
    return await runCase(model, images, c, ctx, perImage);
  } catch (e) {
    const error = String((e as Error)?.message ?? e);
    log(`  ${model.kind} ${c.method} batch ${c.batch}: FAILED: ${error.slice(0, 300)}`);
    return { method: c.method, backend: model.kind, batch: c.batch, params: c.params, error };
  }
}

async function runCase(model: Model, images: Batch, c: Case, ctx: RunContext, perImage: PerImage | null, label = ''): Promise<Row> {
  const { params } = configure({ name: c.method, ...c.params });
  const method = METHODS[c.method];
  const input = first(images, c.batch);
  let last: Attribution | null = null;
  const call = async () => { last = await method.run(model, input, params, ctx); };
  if (c.timing.warmup) await call();
  const name = `${model.kind} ${c.method}${label} batch ${c.batch}`;
  const m = await measure(name, c.batch, call, { maxTime: c.timing.maxTime, minSamples: c.timing.minSamples });
  const row = rowOf(model, c, input.shape, params, m, (last as Attribution | null)!.cost, ctx, perImage);
  logRow(row);
  return row;
}

/** measure()'s summary of seconds per call timed by hand. */
function summarise(name: string, unitsPerCall: number, seconds: number[]): Measured {
  const mid = median(seconds);
  return { name, median_s: mid, min_s: Math.min(...seconds), max_s: Math.max(...seconds), samples: seconds.length, units_per_call: unitsPerCall, units_per_s: unitsPerCall / mid };
}

/**
 * Per-image seconds of a forward (predict) and of a forward+backward (saliency, abs false) of a
 * batch. Taken at the IG efficiency batch (64, 8), which fills whole engine calls: on the CPU the
 * engine runs every model call with a fixed number of rows (ScriptModel::kernel_batch, by image
 * size; 64 for 1x28x28 and 8 for 3x224x224 in this build), padding the last call with zeros, so a
 * batch that is not a multiple of it pays for the padded rows too.
 */
async function perImageReference(model: TorchModel, images: Batch, ctx: RunContext, rows: number, timing: Timing) {
  const input = first(images, rows);
  if (timing.warmup) await model.predict(input.data, input.shape);
  const forward = await measure(`${model.kind} predict batch ${rows}`, rows, () => model.predict(input.data, input.shape), timing);
  log(`  ${forward.name}: ${fmtRate(forward.units_per_s)} images/s (median of ${forward.samples})`);
  const fb = await runCase(model, images, { method: 'saliency', params: FORWARD_BACKWARD, batch: rows, timing }, ctx, null, ' (forward+backward)');
  return { forward, forward_backward: fb, perImage: { forward_s: forward.median_s / rows, forward_backward_s: fb.median_s / rows } };
}

/**
 * IG efficiency on `batch` images: saliency (abs false) and IG (32 steps, riemann_trapezoid, black)
 * on the same batch, interleaved (saliency, IG, saliency per round) so that both medians come
 * from the same stretch of time on a shared machine; each round's own ratio gives the spread.
 */
async function igEfficiency(
  model: TorchModel, images: Batch, ctx: RunContext, batch: number, rounds: number, warmupIg: boolean, perImage: PerImage | null, target: number,
) {
  const input = first(images, batch);
  const salCase: Case = { method: 'saliency', params: FORWARD_BACKWARD, batch, timing: SLOW };
  const igCase: Case = { method: 'integrated_gradients', params: IG_EFFICIENCY_PARAMS, batch, timing: SLOW };
  const sal = configure({ name: 'saliency', ...FORWARD_BACKWARD });
  const ig = configure({ name: 'integrated_gradients', ...IG_EFFICIENCY_PARAMS });
  const timed = async (c: typeof sal) => {
    const t0 = performance.now();
    const a = await c.method.run(model, input, c.params, ctx);
    return { s: (performance.now() - t0) / 1000, cost: a.cost };
  };
  await timed(sal);
  if (warmupIg) await timed(ig);
  const salS: number[] = [], igS: number[] = [], perRound: number[] = [];
  let salCost: Attribution['cost'] | null = null, igCost: Attribution['cost'] | null = null;
  for (let r = 0; r < rounds; r++) {
    const a = await timed(sal), g = await timed(ig), b = await timed(sal);
    salS.push(a.s, b.s); igS.push(g.s);
    perRound.push((IG_STEPS * (a.s + b.s)) / 2 / g.s);
    salCost = a.cost; igCost = g.cost;
  }
  const saliency = rowOf(model, salCase, input.shape, sal.params, summarise(`${model.kind} saliency (forward+backward) batch ${batch}`, batch, salS), salCost!, ctx, perImage);
  const integrated = rowOf(model, igCase, input.shape, ig.params, summarise(`${model.kind} integrated_gradients batch ${batch}`, batch, igS), igCost!, ctx, perImage);
  logRow(saliency);
  logRow(integrated);
  const efficiency = (IG_STEPS * saliency.median_s) / integrated.median_s;
  const spread = summarise('per-round efficiency', 1, perRound);
  // The same ratio from the fastest calls: the least disturbed ones on a shared machine (short calls more often so).
  const fromMinima = (IG_STEPS * saliency.min_s) / integrated.min_s;
  log(`  IG efficiency ${efficiency.toFixed(3)} (target ${target}: ${(efficiency / target).toFixed(3)} of it; per round ${spread.min_s.toFixed(3)} to ${spread.max_s.toFixed(3)}; from the fastest calls ${fromMinima.toFixed(3)})`);
  return {
    definition: `${IG_STEPS} x median(saliency abs=false, batch ${batch}) / median(integrated_gradients, batch ${batch}); ${rounds} interleaved rounds (saliency, IG, saliency)`,
    n_steps: IG_STEPS,
    batch,
    saliency,
    integrated_gradients: integrated,
    efficiency,
    per_round: { median: spread.median_s, min: spread.min_s, max: spread.max_s, rounds, values: perRound },
    efficiency_from_minima: fromMinima,
    ratio_to_target_from_minima: fromMinima / target,
    samples_s: { saliency: salS, integrated_gradients: igS },
    target,
    ratio_to_target: efficiency / target,
    meets_target: efficiency >= target,
    ig_images_per_s: integrated.units_per_s,
  };
}

// --- inputs ----------------------------------------------------------------------------------

function seedsOf(n: number): Uint32Array {
  return Uint32Array.from({ length: n }, (_, i) => (Math.imul(i + 1, 0x9e3779b1) >>> 0));
}

async function withTargets(model: Model, data: Float32Array, shape: [number, number, number, number]): Promise<Batch> {
  const targets = argmax(await model.predict(data, shape));
  return { data, shape, targets, seeds: seedsOf(shape[0]) };
}

/** The 16 reference images (float32 16x1x28x28), repeated to n. */
function referenceImages(path: string, n: number): { data: Float32Array; shape: [number, number, number, number] } {
  const buf = readFileSync(path);
  const plane = 28 * 28;
  const src = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  if (src.length !== 16 * plane) throw new Error(`${path}: expected 16x1x28x28 float32, got ${src.length} values`);
  const data = new Float32Array(n * plane);
  for (let i = 0; i < n; i++) data.set(src.subarray((i % 16) * plane, (i % 16 + 1) * plane), i * plane);
  return { data, shape: [n, 1, 28, 28] };
}

/** Uniform random pixels in [0, 1) from a seeded generator (mulberry32). */
function randomImages(n: number, c: number, h: number, w: number, seed: number) {
  const r = prng(seed);
  const data = Float32Array.from({ length: n * c * h * w }, r);
  return { data, shape: [n, c, h, w] as [number, number, number, number] };
}

// --- the reference CNN -----------------------------------------------------------------------

const CNN_BATCH = 64;
/** Black-box methods loop over samples; the 16 distinct reference images give their rate at defaults within budget. */
const CNN_BLACKBOX_BATCH = 16;
/** Internal batches tried for IG on the CNN (undefined: the default); the fastest is used for the gradient methods. */
const CNN_INTERNAL_BATCHES: (number | undefined)[] = [undefined, 64, 128, 512];

function cnnCases(): Case[] {
  const g = (method: string, timing: Timing = FAST): Case => ({ method, params: {}, batch: CNN_BATCH, timing });
  const b = (method: string): Case => ({ method, params: {}, batch: CNN_BLACKBOX_BATCH, timing: SLOW });
  const table: Record<string, Case> = {
    saliency: g('saliency'),
    input_x_gradient: g('input_x_gradient'),
    integrated_gradients: g('integrated_gradients', SLOW),
    smoothgrad: g('smoothgrad'),
    smoothgrad_sq: g('smoothgrad_sq'),
    vargrad: g('vargrad'),
    gradient_shap: g('gradient_shap'),
    gradcam: g('gradcam'),
    occlusion: b('occlusion'),
    lime: b('lime'),
    kernel_shap: b('kernel_shap'),
    rise: b('rise'),
  };
  return Object.keys(METHODS).map((name) => table[name] ?? { ...g(name, SLOW), note: 'no benchmark case for this method yet: defaults' });
}

async function cnnSuite(ts: string, onnx: string, imagesPath: string, threads: number) {
  const ctx: RunContext = { meanColour: Float32Array.of(0.2860) };
  const model = (await loadModel(ts, { threads })) as TorchModel;
  const { data, shape } = referenceImages(imagesPath, CNN_BATCH);
  const images = await withTargets(model, data, shape);
  log(`reference CNN, TorchScript: per-image references, batch ${CNN_BATCH}`);
  const ref = await perImageReference(model, images, ctx, CNN_BATCH, FAST);

  // The internal batch (most rows per engine call inside a gradient method): the default (2^26
  // values) puts all of IG's 64 x 32 rows in one call; smaller calls keep the autograd graph small.
  log(`reference CNN: IG (${IG_STEPS} steps) against the internal batch, batch ${CNN_BATCH}`);
  let sweep: Row[] = [];
  for (const ibs of CNN_INTERNAL_BATCHES) {
    sweep.push(await runCase(model, images, { method: 'integrated_gradients', params: IG_EFFICIENCY_PARAMS, batch: CNN_BATCH, timing: SWEEP },
      { ...ctx, internalBatchSize: ibs }, null, ` (internal batch ${ibs ?? 'default'})`));
  }
  const best = sweep.reduce((a, b) => (b.median_s < a.median_s ? b : a));
  const chosen = best.internal_batch === 'default' ? undefined : best.internal_batch;
  const gradCtx: RunContext = { ...ctx, internalBatchSize: chosen };
  log(`  internal batch used for the gradient methods: ${chosen ?? 'default'}`);

  log(`reference CNN: IG efficiency, batch ${CNN_BATCH}, internal batch ${chosen ?? 'default'}`);
  const efficiency = await igEfficiency(model, images, gradCtx, CNN_BATCH, 7, true, null, TARGET_EFFICIENCY.cnn);
  let efficiencyDefault = null;
  if (chosen !== undefined) {
    log(`reference CNN: IG efficiency, batch ${CNN_BATCH}, internal batch default`);
    efficiencyDefault = await igEfficiency(model, images, ctx, CNN_BATCH, 5, true, null, TARGET_EFFICIENCY.cnn);
  }
  // Predictions from here on take forward+backward from the interleaved saliency calls (more samples, same stretch of time as IG).
  const perImage: PerImage = { forward_s: ref.perImage.forward_s, forward_backward_s: efficiency.saliency.median_s / CNN_BATCH };
  sweep = sweep.map((r) => repredict(r, perImage));
  efficiency.saliency = repredict(efficiency.saliency, perImage);
  efficiency.integrated_gradients = repredict(efficiency.integrated_gradients, perImage);
  if (efficiencyDefault) {
    efficiencyDefault.saliency = repredict(efficiencyDefault.saliency, perImage);
    efficiencyDefault.integrated_gradients = repredict(efficiencyDefault.integrated_gradients, perImage);
  }

  log('reference CNN, TorchScript: every method at its defaults');
  const torchRows: (Row | ErrorRow)[] = [];
  for (const c of cnnCases()) {
    const gradient = METHODS[c.method].needs.includes('gradients');
    torchRows.push(await tryCase(model, images, c, gradient ? gradCtx : ctx, perImage));
  }

  log('reference CNN, ONNX (onnxruntime-node): the forward-only methods');
  const onnxModel = await loadModel(onnx, { threads });
  const onnxInput = first(images, images.shape[0]);
  await onnxModel.predict(onnxInput.data, onnxInput.shape);
  const onnxForward = await measure(`onnx predict batch ${onnxInput.shape[0]}`, onnxInput.shape[0], () => onnxModel.predict(onnxInput.data, onnxInput.shape), FAST);
  log(`  ${onnxForward.name}: ${fmtRate(onnxForward.units_per_s)} images/s (median of ${onnxForward.samples})`);
  const onnxPerImage = { forward_s: onnxForward.median_s / onnxInput.shape[0], forward_backward_s: NaN };
  const onnxRows: (Row | ErrorRow)[] = [];
  for (const c of cnnCases().filter((c) => METHODS[c.method].needs.every((n) => n === 'forward'))) {
    onnxRows.push(await tryCase(onnxModel, images, c, ctx, onnxPerImage));
  }
  onnxModel.dispose();
  model.dispose();
  return {
    model: ts,
    onnx_model: onnx,
    input: '1x28x28: the 16 reference images (test/fixtures/data/images16.bin) repeated; targets = the model\'s argmax',
    mean_colour: [0.2860],
    per_image: {
      ...perImage, forward: ref.forward, forward_backward: ref.forward_backward, onnx_forward_s: onnxPerImage.forward_s, onnx_forward: onnxForward,
      note: 'forward_s from forward (predict); forward_backward_s from the interleaved saliency calls of ig_efficiency (forward_backward is an earlier, separate measurement)',
    },
    ig_efficiency: efficiency,
    ig_efficiency_default_internal_batch: efficiencyDefault ?? 'the default was the fastest: ig_efficiency used it',
    ig_internal_batch: {
      tried: sweep.map((r) => ({ internal_batch: r.internal_batch, median_s: r.median_s, min_s: r.min_s, max_s: r.max_s, samples: r.samples, images_per_s: r.units_per_s })),
      used_for_gradient_methods: chosen ?? 'default',
      note: 'black-box methods keep the default internal batch (composites per model call, 256)',
    },
    methods: { torchscript: torchRows, onnx: onnxRows },
  };
}

// --- ResNet-18 -------------------------------------------------------------------------------

const RESNET_BATCH = 8;
/**
 * Batch of the methods that cost many passes per image (black-box ones, smoothgrad and
 * gradient_shap): they loop over samples (or, for the gradient ones, run n x batch rows), so
 * images/s does not depend on it, and one image keeps the suite within minutes.
 */
const RESNET_SMALL_BATCH = 1;
/**
 * Internal batch of the gradient methods on the ResNet: 8 rows, one engine call per chunk. The
 * default (2^26 values: 445 rows) puts all of IG's 8 x 32 rows in one chunk, holding the autograd
 * graph of 256 images: 12.6 GB resident at its peak, on a 23 GB machine. Tried on this machine,
 * IG batch 8, 32 steps, seconds per call, while other work shared it (so noisy): default 46.5 and
 * 67.7 by hand, 28.5 in a suite run; 8: 23.8, 30.7, 32.4 by hand, 17.9 to 42.0 in suite runs;
 * 16: 33.3; 32: 25.6, 28.7; 64: 34.2. Too slow to sweep in the suite; the memory decides it.
 */
const RESNET_INTERNAL_BATCH = 8;
const RESNET_INTERNAL_BATCH_TRIED = {
  note: 'tried on this machine while other work shared it (noisy), IG batch 8, 32 steps riemann_trapezoid, seconds per call; the suite uses 8 for the memory: the default peaked at 12.6 GB resident',
  default: { by_hand: [46.5, 67.7], suite_run: [28.5] },
  8: { by_hand: [23.8, 30.7, 32.4], suite_runs: [17.9, 31.8, 42.0, 29.5] },
  16: { by_hand: [33.3] }, 32: { by_hand: [25.6, 28.7] }, 64: { by_hand: [34.2] },
  default_peak_resident_gb: 12.6,
  internal_batch_8_to_64_peak_resident_gb: 2.9,
};

/** bench/models/resnet18.ts.pt, written by scripts/make-resnet.py resnet18 when absent; a reason when that cannot be done. */
export function ensureResnet(root: string): { path: string } | { skipped: string } {
  const path = join(root, 'bench', 'models', 'resnet18.ts.pt');
  if (existsSync(path)) return { path };
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return { skipped: `${python} not found: the ResNet-18 is written by scripts/make-resnet.py resnet18 with Debian's python3-torch and python3-torchvision` };
  log(`writing ${path} (scripts/make-resnet.py resnet18)`);
  const r = spawnSync(python, [join(root, 'scripts', 'make-resnet.py'), 'resnet18', path], { encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(path)) {
    const lines = `${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim().split('\n');
    const why = lines[lines.length - 1] || `exit status ${r.status}`;
    const hint = /torchvision|torch/.test(why) ? ' (install python3-torch and python3-torchvision: scripts/bench does as root)' : '';
    return { skipped: `scripts/make-resnet.py resnet18 failed: ${why}${hint}` };
  }
  return { path };
}

function resnetCases(): Case[] {
  const once = { maxTime: 0.1, minSamples: 3, warmup: true };
  const g = (method: string): Case => ({ method, params: {}, batch: RESNET_BATCH, timing: once });
  // n x batch = 16 rows: two full engine calls of 8, at the defaults (n 16)
  const n = (method: string): Case => ({ method, params: {}, batch: RESNET_SMALL_BATCH, timing: SLOW, note: `defaults; batch ${RESNET_SMALL_BATCH} to keep the suite within minutes` });
  const small = 'smaller than the defaults: those take minutes per image at 224x224 on this 2-core CPU';
  const b = (method: string, params: Record<string, unknown>, note = small): Case => ({ method, params, batch: RESNET_SMALL_BATCH, timing: SLOW, note });
  const table: Record<string, Case> = {
    saliency: g('saliency'),
    input_x_gradient: g('input_x_gradient'),
    // IG's row is the efficiency run: its defaults (50 Gauss-Legendre steps) would cost 50/32 of it.
    smoothgrad: n('smoothgrad'),
    smoothgrad_sq: n('smoothgrad_sq'),
    vargrad: n('vargrad'),
    gradient_shap: n('gradient_shap'),
    gradcam: g('gradcam'),
    // window 32, stride 16 are occlusion's defaults at 224x224 (1/7 of the side, half of it): 169 windows
    occlusion: b('occlusion', { window: 32, stride: 16 }, 'the defaults at 224x224, given explicitly'),
    lime: b('lime', { S: 64 }),
    kernel_shap: b('kernel_shap', { S: 64 }),
    rise: b('rise', { N: 128 }),
  };
  return Object.keys(METHODS).filter((m) => m !== 'integrated_gradients')
    .map((name) => table[name] ?? { ...g(name), timing: SLOW, note: 'no benchmark case for this method yet: defaults' });
}

async function resnetSuite(path: string, threads: number) {
  const mean = [0.485, 0.456, 0.406];
  const ctx: RunContext = { meanColour: Float32Array.from(mean) };
  const model = (await loadModel(path, { threads })) as TorchModel;
  const { data, shape } = randomImages(RESNET_BATCH, 3, 224, 224, 1);
  const images = await withTargets(model, data, shape);
  log(`ResNet-18 224x224: per-image references, batch ${RESNET_BATCH}`);
  const ref = await perImageReference(model, images, ctx, RESNET_BATCH, { maxTime: 0.1, minSamples: 4, warmup: true });

  const gradCtx: RunContext = { ...ctx, internalBatchSize: RESNET_INTERNAL_BATCH };
  log(`ResNet-18: IG efficiency, batch ${RESNET_BATCH}, internal batch ${RESNET_INTERNAL_BATCH}`);
  const efficiency = await igEfficiency(model, images, gradCtx, RESNET_BATCH, 3, false, null, TARGET_EFFICIENCY.resnet18);
  const perImage: PerImage = { forward_s: ref.perImage.forward_s, forward_backward_s: efficiency.saliency.median_s / RESNET_BATCH };
  efficiency.saliency = repredict(efficiency.saliency, perImage);
  efficiency.integrated_gradients = repredict(efficiency.integrated_gradients, perImage);

  log(`ResNet-18: every method (batch ${RESNET_BATCH}; ${RESNET_SMALL_BATCH} for the many-pass and black-box ones)`);
  const rows: (Row | ErrorRow)[] = [];
  for (const c of resnetCases()) {
    const gradient = METHODS[c.method].needs.includes('gradients');
    rows.push(await tryCase(model, images, c, gradient ? gradCtx : ctx, perImage));
  }
  // IG's row is the efficiency run (32 riemann_trapezoid steps, not the 50 Gauss-Legendre defaults).
  const igRow = { ...efficiency.integrated_gradients, note: 'the IG efficiency run: n_steps 32, riemann_trapezoid (defaults: 50, gausslegendre, which cost 50/32 as much)' };
  const order = Object.keys(METHODS);
  rows.push(igRow);
  rows.sort((a, b) => order.indexOf(a.method) - order.indexOf(b.method));
  log(`  ${igRow.name}: ${fmtRate(igRow.units_per_s)} images/s (the efficiency run)`);
  model.dispose();
  return {
    model: path,
    input: '3x224x224 uniform random pixels (seeded); targets = the model\'s argmax; ImageNet mean/std applied in the adapter (model card)',
    mean_colour: mean,
    per_image: {
      ...perImage, forward: ref.forward, forward_backward: ref.forward_backward,
      note: 'forward_s from forward (predict); forward_backward_s from the interleaved saliency calls of ig_efficiency (forward_backward is an earlier, separate measurement)',
    },
    ig_efficiency: efficiency,
    ig_internal_batch: { used_for_gradient_methods: RESNET_INTERNAL_BATCH, tried: RESNET_INTERNAL_BATCH_TRIED },
    methods: { torchscript: rows },
  };
}

// --- the suite -------------------------------------------------------------------------------

function ratio(ours: number, captum: number) {
  return { ours, captum, ratio: ours / captum };
}

export async function attribution(root: string, ts: string, onnx: string, imagesPath: string) {
  const started = performance.now();
  const threads = defaultThreads();
  const loadStart = loadavg();
  // FASS_BENCH_ATTRIBUTION=cnn or =resnet18 runs one part (both by default)
  const parts = (process.env.FASS_BENCH_ATTRIBUTION ?? 'cnn,resnet18').split(',').map((p) => p.trim());
  const cnn = parts.includes('cnn') ? await cnnSuite(ts, onnx, imagesPath, threads) : null;
  const made = parts.includes('resnet18') ? ensureResnet(root) : { skipped: 'not asked for (FASS_BENCH_ATTRIBUTION)' };
  let resnet18: Awaited<ReturnType<typeof resnetSuite>> | { skipped: string };
  if ('skipped' in made) {
    log(`ResNet-18 skipped: ${made.skipped}`);
    resnet18 = made;
  } else {
    resnet18 = await resnetSuite(made.path, threads);
  }
  const cnnSaliency = cnn?.methods.torchscript.find((r): r is Row => r.method === 'saliency' && !('error' in r));
  const comparison = {
    ...(cnn ? {
      cnn_ig_images_per_s: ratio(cnn.ig_efficiency.ig_images_per_s, CAPTUM_REFERENCE.cnn.integrated_gradients.images_per_s),
      cnn_ig_efficiency: ratio(cnn.ig_efficiency.efficiency, CAPTUM_REFERENCE.cnn.integrated_gradients.efficiency),
      ...(cnnSaliency ? { cnn_saliency_images_per_s: ratio(cnnSaliency.units_per_s, CAPTUM_REFERENCE.cnn.saliency.images_per_s) } : {}),
    } : {}),
    ...('skipped' in resnet18 ? {} : {
      resnet18_ig_images_per_s: ratio(resnet18.ig_efficiency.ig_images_per_s, CAPTUM_REFERENCE.resnet18.integrated_gradients.images_per_s),
      resnet18_ig_efficiency: ratio(resnet18.ig_efficiency.efficiency, CAPTUM_REFERENCE.resnet18.integrated_gradients.efficiency),
    }),
  };
  for (const [label, part] of [['reference CNN', cnn], ['ResNet-18', 'skipped' in resnet18 ? null : resnet18]] as const) {
    if (!part) continue;
    const e = part.ig_efficiency;
    log(`${label}: IG efficiency ${e.efficiency.toFixed(3)} (${e.ratio_to_target.toFixed(3)} of the target ${e.target}); from the fastest calls ${e.efficiency_from_minima.toFixed(3)} (${e.ratio_to_target_from_minima.toFixed(3)}); IG ${fmtRate(e.ig_images_per_s)} images/s`);
  }
  log('against Captum (ours / captum):');
  for (const [k, v] of Object.entries(comparison)) log(`  ${k}: ${v.ours.toPrecision(4)} / ${v.captum} = ${v.ratio.toFixed(3)}`);
  const seconds = (performance.now() - started) / 1000;
  log(`attribution suite: ${seconds.toFixed(0)} s`);
  return {
    suite: 'attribution',
    machine: { ...machine(), threads, torch: native().buildInfo().torchVersion, load_average_start: loadStart, load_average_end: loadavg() },
    seconds,
    notes: [
      'images_per_s (units_per_s) counts explained images; medians of benchmark.js samples, with min, max and the sample count.',
      `IG efficiency: ${IG_STEPS} x median(saliency abs=false) / median(IG ${IG_STEPS} steps riemann_trapezoid, black) on the same batch, calls interleaved (per_round: each round's own ratio). efficiency_from_minima: the same ratio from the fastest calls; on a shared machine a short saliency call can land in a quiet moment that a long IG call cannot, so neither figure is exact there: compare runs.`,
      'The engine runs CPU model calls with a fixed row count (64 for 1x28x28, 8 for 3x224x224 in this build) and pads the last call: a batch that is not a multiple pays for the padding.',
      'predicted_s: backward passes x forward_backward_s + the other forward passes x forward_s, from the per-image references (per_image).',
      'slowdown_vs_passes = median_s / predicted_s: well above 1 means time goes somewhere other than model passes (padding, segmentation, surrogate fits, copies).',
    ],
    captum_reference: CAPTUM_REFERENCE,
    comparison,
    cnn: cnn ?? { skipped: 'not asked for (FASS_BENCH_ATTRIBUTION)' },
    resnet18,
  };
}
