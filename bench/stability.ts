/**
 * End-to-end pairs/s of the demo's configuration (scripts/demo): `fass stability` with the default
 * preset (30 perturbations) and saliency, integrated_gradients, gradient_shap, gradcam, occlusion
 * and lime, on the first FASS_BENCH_STABILITY_N (64) Fashion-MNIST test images, with the model
 * the demo trains (models/fashion-cnn.pt, with its ONNX forward twin) or FASS_BENCH_STABILITY_MODEL;
 * FASS_BENCH_METHODS (comma-separated) runs other methods, e.g. one lane's alone.
 * One run (it takes about a minute), profiled (--profile): seconds, passes and the fraction of the
 * physical limit per method and in all.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataset, type Dataset } from '../src/data/index.js';
import { loadModel, TorchModel } from '../src/models/index.js';
import { configure, type ConfiguredMethod } from '../src/methods/index.js';
import { presetValues } from '../src/config/presets.js';
import { hasBothLanes, runStability } from '../src/pipeline/stability.js';
import { machine } from './measure.js';
import type { ProfileReport } from '../src/pipeline/profile.js';

const METHODS = process.env.FASS_BENCH_METHODS?.split(',') ?? ['saliency', 'integrated_gradients', 'gradient_shap', 'gradcam', 'occlusion', 'lime'];

export async function stabilityBench(root: string) {
  const modelPath = process.env.FASS_BENCH_STABILITY_MODEL ?? join(root, 'models', 'fashion-cnn.pt');
  if (!existsSync(modelPath)) return { suite: 'stability', skipped: `${modelPath} not found: run npm run demo (or fass train) first` };
  const n = Number(process.env.FASS_BENCH_STABILITY_N ?? 64);
  const data = await openDataset('fashion-mnist:test', { n });
  const methods: ConfiguredMethod[] = METHODS.map((name) => configure({ name }));
  // As the CLI loads it: the forward twin and LibTorch each get half the threads (method lanes).
  const model = await loadModel(modelPath, { splitThreads: hasBothLanes(methods) });
  const v = presetValues('default');
  const dir = mkdtempSync(join(tmpdir(), 'fass-bench-stability-'));
  const cpu0 = process.cpuUsage();
  try {
    const r = await runStability({
      model, data, methods, perturbations: v.perturbations, metrics: v.metrics, filter: { kind: 'top1' }, reduce: v.reduce,
      seed: 0, batchSize: 64, out: join(dir, 'run.duckdb'), gallery: 0, profile: true,
    });
    const p = r.profile!;
    const cpu = process.cpuUsage(cpu0);
    const perMethod = Object.fromEntries(METHODS.map((name) => [name, p.phases[name] ?? null]));
    process.stderr.write(`  fraction of the physical limit: ${p.fraction_of_limit === null ? '-' : p.fraction_of_limit.toFixed(3)} in all; ${METHODS.map((m) => `${m} ${perMethod[m]?.fraction_of_limit?.toFixed(3) ?? '-'}`).join(', ')}\n`);
    const bare = model instanceof TorchModel && hasBothLanes(methods) && model.forwardBackend === 'onnxruntime' ? await barePasses(model, data, p) : null;
    if (bare) process.stderr.write(`  bare passes side by side, by the same measure: ${bare.fraction.toFixed(3)} (gradient lane ${bare.gradient.toFixed(3)}, forward lane ${bare.forward.toFixed(3)})\n`);
    const pairsPerS = r.pairs / r.seconds;
    process.stderr.write(`  ${n} images, ${r.pairs} pairs (${r.kept} kept) in ${r.seconds.toFixed(1)} s: ${pairsPerS.toFixed(1)} pairs/s; 500 images would take about ${((500 / n) * r.seconds).toFixed(0)} s\n`);
    return {
      suite: 'stability', machine: machine(), model: modelPath,
      forward: model instanceof TorchModel ? model.forwardBackend : model.kind,
      images: n, methods: METHODS, perturbations: v.perturbations.length,
      pairs: r.pairs, kept: r.kept, seconds: r.seconds, pairs_per_s: pairsPerS,
      cpu_s: { user: cpu.user / 1e6, system: cpu.system / 1e6 },
      method_seconds: Object.fromEntries(METHODS.map((m) => [m, perMethod[m]?.wall_s ?? null])),
      profile: p, methods_profile: perMethod,
      fraction_of_limit: p.fraction_of_limit, bare_passes: bare,
      projected_demo_s: (500 / n) * r.seconds,
      notes: ['one run; the demo (scripts/demo) is this configuration on 500 images plus the report'],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Seconds each lane of barePasses keeps calling. */
const BARE_SECONDS = 6;

/**
 * What bare passes reach on this machine at this moment, by the profile's own measure: saliency
 * calls (LibTorch's lane) beside predictions (the twin's), each on 1024 tiled images in a loop for
 * BARE_SECONDS, their passes at the run's best row times (or their own, if those were faster) over
 * the wall time, lanes counted as the run's are. A run comes near this at best (noise aside): the
 * gap is the run's own work between passes, the rest is the machine (two lanes sharing its caches
 * and memory, calls slower than the best one).
 */
async function barePasses(model: TorchModel, data: Dataset, p: ProfileReport) {
  let b;
  for await (const x of data.batches(64)) { b = x; break; }
  if (!b || p.forward_row_s === null || p.forward_backward_row_s === null) return null;
  const [n, c, h, w] = b.shape, per = c * h * w, rows = 1024;
  const targets = Int32Array.from({ length: rows }, (_, i) => Math.max(0, b.labels[i % n]));
  const tiles = () => { const d = new Float32Array(rows * per); for (let i = 0; i < rows; i++) d.set(b.data.subarray((i % n) * per, ((i % n) + 1) * per), i * per); return d; };
  const saliency = configure({ name: 'saliency' });
  const lane = async (call: () => Promise<unknown>, until: number) => {
    let calls = 0, best = Infinity;
    while (performance.now() < until) {
      const t = performance.now();
      await call();
      best = Math.min(best, (performance.now() - t) / 1000 / rows);
      calls++;
    }
    return { passes: calls * rows, best };
  };
  const t0 = performance.now(), until = t0 + BARE_SECONDS * 1000;
  const [g, f] = await Promise.all([
    lane(() => saliency.method.run(model, { data: tiles(), shape: [rows, c, h, w], targets, seeds: new Uint32Array(rows) }, saliency.params, {}), until),
    lane(() => model.predict(tiles(), [rows, c, h, w], true), until),
  ]);
  const wall = (performance.now() - t0) / 1000;
  const G = g.passes * Math.min(p.forward_backward_row_s, g.best), F = f.passes * Math.min(p.forward_row_s, f.best);
  return { seconds: wall, fraction: Math.max(G, (G + F) / 2) / wall, gradient: G / wall, forward: F / wall };
}
