/**
 * Attribution benchmarks: explained images/s for every method of the registry on the reference
 * CNN (1x28x28; TorchScript, and ONNX for the forward-only methods) and on a ResNet-18 at
 * 224x224 (torchvision, random weights; scripts/make-resnet18.py), and IG's efficiency:
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
import { machine, measure, type Measured } from './measure.js';

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
  /** Seconds of one image forward (no gradients) and forward+backward, in full engine calls. */
  forward_s: number;
  forward_backward_s: number;
}

function first(b: Batch, n: number): AttributionInput {
  const [, c, h, w] = b.shape;
  if (n > b.shape[0]) throw new Error(`benchmark batch ${n} is larger than the ${b.shape[0]} images prepared`);
  return { data: b.data.subarray(0, n * c * h * w), shape: [n, c, h, w], targets: b.targets.subarray(0, n), seeds: b.seeds.subarray(0, n) };
}

/**
 * Batches whose engine calls are all full. On the CPU the engine runs every model call with a
 * fixed number of rows, padding the last call with zeros (ScriptModel::kernel_batch: a power of
 * two from 8 to 128, by image size), so a per-image cost is taken from a batch that is a multiple
 * of any call size it may choose: 128 for small images; 8 for 3x224x224, whose calls have 8 rows.
 */
export function fullCallsBatch(c: number, h: number, w: number): number {
  return c * h * w >= 1 << 17 ? 8 : 128;
}

/** What a method derives from its parameters and the image size, for the record. */
function resolvedParams(model: Model, method: string, parsed: Record<string, unknown>, shape: readonly number[]): Record<string, unknown> {
  const [, , h, w] = shape;
  const out: Record<string, unknown> = { ...parsed };
  if (method === 'occlusion') Object.assign(out, occlusionGeometry(parsed as never, h, w));
  if (method === 'rise') out.s = riseGrid(parsed as never, h, w);
  if (method === 'gradcam' && !parsed.layer && model instanceof TorchModel) out.layer = native().defaultLayer(model.handle);
  return out;
}

function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

function fmtRate(r: number): string {
  return r >= 100 ? String(Math.round(r)) : r >= 1 ? r.toFixed(1) : r.toFixed(3);
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
  const cost = (last as Attribution | null)!.cost;
  const predicted = perImage
    ? cost.backwardPasses * perImage.forward_backward_s + Math.max(0, cost.forwardPasses - cost.backwardPasses) * perImage.forward_s
    : null;
  const row: Row = {
    ...m,
    method: c.method,
    backend: model.kind,
    batch: c.batch,
    params: c.params,
    resolved: resolvedParams(model, c.method, params as Record<string, unknown>, input.shape),
    defaults: Object.keys(c.params).length === 0,
    internal_batch: ctx.internalBatchSize ?? 'default',
    passes_per_call: { forward: cost.forwardPasses, backward: cost.backwardPasses },
    predicted_s: predicted,
    slowdown_vs_passes: predicted ? m.median_s / predicted : null,
    ...(c.note ? { note: c.note } : {}),
  };
  const slow = row.slowdown_vs_passes !== null ? `, ${row.slowdown_vs_passes.toFixed(2)}x what its passes predict` : '';
  log(`  ${name}: ${fmtRate(m.units_per_s)} images/s (median ${m.median_s.toFixed(3)} s of ${m.samples}${slow})`);
  return row;
}

/** Per-image seconds of a forward (predict) and of a forward+backward (saliency), in full engine calls. */
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
 * on the same batch. Also against the per-image forward+backward of a full engine call
 * (`efficiency_vs_full_calls`), which differs when the batch does not fill the engine's fixed-size calls.
 */
async function igEfficiency(
  model: TorchModel, images: Batch, ctx: RunContext, batch: number, timing: { saliency: Timing; ig: Timing }, perImage: PerImage, target: number,
  saliencyRow?: Row,
) {
  const saliency = saliencyRow ?? await runCase(model, images, { method: 'saliency', params: FORWARD_BACKWARD, batch, timing: timing.saliency }, ctx, perImage, ' (forward+backward)');
  const ig = await runCase(model, images, { method: 'integrated_gradients', params: IG_EFFICIENCY_PARAMS, batch, timing: timing.ig }, ctx, perImage);
  const efficiency = (IG_STEPS * saliency.median_s) / ig.median_s;
  const vsFull = (IG_STEPS * batch * perImage.forward_backward_s) / ig.median_s;
  log(`  IG efficiency ${efficiency.toFixed(3)} (target ${target}: ${(efficiency / target).toFixed(3)} of it); against full engine calls ${vsFull.toFixed(3)}`);
  return {
    definition: `${IG_STEPS} x median(saliency abs=false, batch ${batch}) / median(integrated_gradients, batch ${batch})`,
    n_steps: IG_STEPS,
    batch,
    saliency,
    integrated_gradients: ig,
    efficiency,
    target,
    ratio_to_target: efficiency / target,
    meets_target: efficiency >= target,
    efficiency_vs_full_calls: vsFull,
    ig_images_per_s: ig.units_per_s,
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
  const data = new Float32Array(n * c * h * w);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    data[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  return { data, shape: [n, c, h, w] as [number, number, number, number] };
}

// --- the reference CNN -----------------------------------------------------------------------

const CNN_BATCH = 64;
/** Black-box methods loop over samples; the 16 distinct reference images give their rate at defaults within budget. */
const CNN_BLACKBOX_BATCH = 16;

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
  const { data, shape } = referenceImages(imagesPath, CNN_BATCH * 2);
  const images = await withTargets(model, data, shape);
  const callRows = fullCallsBatch(1, 28, 28);

  log(`reference CNN, TorchScript: per-image references (batch ${callRows}: full engine calls)`);
  const ref = await perImageReference(model, images, ctx, callRows, FAST);

  log(`reference CNN: IG efficiency, batch ${CNN_BATCH}`);
  const efficiency = await igEfficiency(model, images, ctx, CNN_BATCH, { saliency: FAST, ig: FAST }, ref.perImage, TARGET_EFFICIENCY.cnn);

  // The internal batch (images per engine call inside IG): the default puts all n x steps rows in one chunk.
  log('reference CNN: IG internal batch');
  const internal: Row[] = [efficiency.integrated_gradients];
  for (const ibs of [128, 512]) {
    internal.push(await runCase(model, images, { method: 'integrated_gradients', params: IG_EFFICIENCY_PARAMS, batch: CNN_BATCH, timing: FAST },
      { ...ctx, internalBatchSize: ibs }, ref.perImage, ` (internal batch ${ibs})`));
  }

  log('reference CNN, TorchScript: every method at its defaults');
  const torchRows: Row[] = [];
  for (const c of cnnCases()) torchRows.push(await runCase(model, images, c, ctx, ref.perImage));

  log('reference CNN, ONNX (onnxruntime-node): the forward-only methods');
  const onnxModel = await loadModel(onnx, { threads });
  const onnxInput = first(images, images.shape[0]);
  await onnxModel.predict(onnxInput.data, onnxInput.shape);
  const onnxForward = await measure(`onnx predict batch ${onnxInput.shape[0]}`, onnxInput.shape[0], () => onnxModel.predict(onnxInput.data, onnxInput.shape), FAST);
  log(`  ${onnxForward.name}: ${fmtRate(onnxForward.units_per_s)} images/s (median of ${onnxForward.samples})`);
  const onnxPerImage = { forward_s: onnxForward.median_s / onnxInput.shape[0], forward_backward_s: NaN };
  const onnxRows: Row[] = [];
  for (const c of cnnCases().filter((c) => METHODS[c.method].needs.every((n) => n === 'forward'))) {
    onnxRows.push(await runCase(onnxModel, images, c, ctx, onnxPerImage));
  }
  onnxModel.dispose();
  model.dispose();
  return {
    model: ts,
    onnx_model: onnx,
    input: '1x28x28: the 16 reference images (test/fixtures/data/images16.bin) repeated; targets = the model\'s argmax',
    mean_colour: [0.2860],
    full_calls_batch: callRows,
    per_image: { ...ref.perImage, forward: ref.forward, forward_backward: ref.forward_backward, onnx_forward_s: onnxPerImage.forward_s, onnx_forward: onnxForward },
    ig_efficiency: efficiency,
    ig_internal_batch: internal.map((r) => ({ internal_batch: r.internal_batch, median_s: r.median_s, images_per_s: r.units_per_s, samples: r.samples })),
    methods: { torchscript: torchRows, onnx: onnxRows },
  };
}

// --- ResNet-18 -------------------------------------------------------------------------------

const RESNET_BATCH = 8;
const RESNET_BLACKBOX_BATCH = 2;

/** bench/models/resnet18.ts.pt, written by scripts/make-resnet18.py when absent; a reason when that cannot be done. */
export function ensureResnet(root: string): { path: string } | { skipped: string } {
  const path = join(root, 'bench', 'models', 'resnet18.ts.pt');
  if (existsSync(path)) return { path };
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return { skipped: `${python} not found: the ResNet-18 is written by scripts/make-resnet18.py with Debian's python3-torch and python3-torchvision` };
  log(`writing ${path} (scripts/make-resnet18.py)`);
  const r = spawnSync(python, [join(root, 'scripts', 'make-resnet18.py'), path], { encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(path)) {
    const lines = `${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim().split('\n');
    const why = lines[lines.length - 1] || `exit status ${r.status}`;
    const hint = /torchvision|torch/.test(why) ? ' (install python3-torch and python3-torchvision: scripts/bench does as root)' : '';
    return { skipped: `scripts/make-resnet18.py failed: ${why}${hint}` };
  }
  return { path };
}

function resnetCases(): Case[] {
  const small = 'the defaults take minutes per image at 224x224 on this 2-core CPU';
  const g = (method: string, timing: Timing = SLOW): Case => ({ method, params: {}, batch: RESNET_BATCH, timing });
  const b = (method: string, params: Record<string, unknown>): Case => ({ method, params, batch: RESNET_BLACKBOX_BATCH, timing: SLOW, note: small });
  const table: Record<string, Case> = {
    saliency: g('saliency', FAST),
    input_x_gradient: g('input_x_gradient', FAST),
    // At its defaults (50 Gauss-Legendre steps) IG would cost 50/32 of the efficiency run: the row reuses that one.
    smoothgrad: g('smoothgrad'),
    smoothgrad_sq: g('smoothgrad_sq'),
    vargrad: g('vargrad'),
    gradient_shap: g('gradient_shap'),
    gradcam: g('gradcam', FAST),
    occlusion: b('occlusion', { window: 32, stride: 16 }),
    lime: b('lime', { S: 64 }),
    kernel_shap: b('kernel_shap', { S: 64 }),
    rise: b('rise', { N: 128 }),
  };
  return Object.keys(METHODS).filter((m) => m !== 'integrated_gradients')
    .map((name) => table[name] ?? { ...g(name), note: 'no benchmark case for this method yet: defaults' });
}

async function resnetSuite(path: string, threads: number) {
  const mean = [0.485, 0.456, 0.406];
  const ctx: RunContext = { meanColour: Float32Array.from(mean) };
  const model = (await loadModel(path, { threads })) as TorchModel;
  const { data, shape } = randomImages(RESNET_BATCH, 3, 224, 224, 1);
  const images = await withTargets(model, data, shape);
  const callRows = fullCallsBatch(3, 224, 224);

  log(`ResNet-18 224x224: per-image references (batch ${callRows}: full engine calls)`);
  const ref = await perImageReference(model, images, ctx, callRows, { maxTime: 0.1, minSamples: 5, warmup: true });

  log(`ResNet-18: IG efficiency, batch ${RESNET_BATCH}`);
  // the forward+backward reference above is saliency (abs false) on this very batch when it fills one engine call
  const efficiency = await igEfficiency(model, images, ctx, RESNET_BATCH, { saliency: SLOW, ig: SLOW }, ref.perImage, TARGET_EFFICIENCY.resnet18,
    RESNET_BATCH === callRows ? ref.forward_backward : undefined);

  log('ResNet-18: every method (gradient methods at their defaults, batch 8; black-box ones smaller, batch 2)');
  const rows: Row[] = [];
  for (const c of resnetCases()) rows.push(await runCase(model, images, c, ctx, ref.perImage));
  // IG's row is the efficiency run (32 riemann_trapezoid steps, not the 50 Gauss-Legendre defaults).
  const igRow = { ...efficiency.integrated_gradients, note: 'the IG efficiency run: n_steps 32, riemann_trapezoid (defaults: 50, gausslegendre, which cost 50/32 as much)' };
  const order = Object.keys(METHODS);
  rows.push(igRow);
  rows.sort((a, b) => order.indexOf(a.method) - order.indexOf(b.method));
  model.dispose();
  return {
    model: path,
    input: '3x224x224 uniform random pixels (seeded); targets = the model\'s argmax; ImageNet mean/std applied in the adapter (model card)',
    mean_colour: mean,
    full_calls_batch: callRows,
    per_image: { ...ref.perImage, forward: ref.forward, forward_backward: ref.forward_backward },
    ig_efficiency: efficiency,
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
  const cnn = await cnnSuite(ts, onnx, imagesPath, threads);
  const made = ensureResnet(root);
  let resnet18: Awaited<ReturnType<typeof resnetSuite>> | { skipped: string };
  if ('skipped' in made) {
    log(`ResNet-18 skipped: ${made.skipped}`);
    resnet18 = made;
  } else {
    resnet18 = await resnetSuite(made.path, threads);
  }
  const cnnSaliency = cnn.methods.torchscript.find((r) => r.method === 'saliency')!;
  const comparison = {
    cnn_ig_images_per_s: ratio(cnn.ig_efficiency.ig_images_per_s, CAPTUM_REFERENCE.cnn.integrated_gradients.images_per_s),
    cnn_ig_efficiency: ratio(cnn.ig_efficiency.efficiency, CAPTUM_REFERENCE.cnn.integrated_gradients.efficiency),
    cnn_saliency_images_per_s: ratio(cnnSaliency.units_per_s, CAPTUM_REFERENCE.cnn.saliency.images_per_s),
    ...('skipped' in resnet18 ? {} : {
      resnet18_ig_images_per_s: ratio(resnet18.ig_efficiency.ig_images_per_s, CAPTUM_REFERENCE.resnet18.integrated_gradients.images_per_s),
      resnet18_ig_efficiency: ratio(resnet18.ig_efficiency.efficiency, CAPTUM_REFERENCE.resnet18.integrated_gradients.efficiency),
    }),
  };
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
      `IG efficiency: ${IG_STEPS} x median(saliency abs=false) / median(IG ${IG_STEPS} steps riemann_trapezoid, black) on the same batch.`,
      'efficiency_vs_full_calls: the forward+backward reference taken per image from a batch of full engine calls (full_calls_batch rows: no padded rows), for batches the engine pads.',
      'predicted_s: backward passes x forward_backward_s + the other forward passes x forward_s, from the per-image references.',
    ],
    captum_reference: CAPTUM_REFERENCE,
    comparison,
    cnn,
    resnet18,
  };
}
