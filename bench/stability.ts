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
import { openDataset } from '../src/data/index.js';
import { loadModel, TorchModel } from '../src/models/index.js';
import { configure, type ConfiguredMethod } from '../src/methods/index.js';
import { presetValues } from '../src/config/presets.js';
import { hasBothLanes, runStability } from '../src/pipeline/stability.js';
import { machine } from './measure.js';

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
    const perMethod = Object.fromEntries(METHODS.map((name) => [name, p.phases[name] ?? null]));
    process.stderr.write(`  fraction of the physical limit: ${p.fraction_of_limit === null ? '-' : p.fraction_of_limit.toFixed(3)} in all; ${METHODS.map((m) => `${m} ${perMethod[m]?.fraction_of_limit?.toFixed(3) ?? '-'}`).join(', ')}\n`);
    const cpu = process.cpuUsage(cpu0);
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
      fraction_of_limit: p.fraction_of_limit,
      projected_demo_s: (500 / n) * r.seconds,
      notes: ['one run; the demo (scripts/demo) is this configuration on 500 images plus the report'],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
