/**
 * IG with `n_steps: auto` against fixed steps (issue 16): on the reference CNN (64 Fashion-MNIST
 * test images) and on a ResNet-18 (torchvision, random weights, 4 synthetic 224 x 224 images), each
 * map's relative L2 error against 512 Gauss-Legendre steps, for Captum's default (50
 * Gauss-Legendre steps) and for auto at several tolerances, with the passes each image took.
 * Target: some tolerance reaches fixed 50's median error with at most half its passes (median
 * over images). Counts, not times: the figures do not depend on the machine's speed.
 */
import { openDataset } from '../src/data/index.js';
import { configure } from '../src/methods/index.js';
import { argmax, loadModel, type Model } from '../src/models/index.js';
import type { AttributionInput } from '../src/methods/types.js';
import { ensureResnet } from './attribution.js';
import { machine, median } from './measure.js';
import { join } from 'node:path';

const TOLERANCES = [0.1, 0.05, 0.02, 0.01, 0.005];
/** ResNet-18 at 224 px costs about 2,000 times the CNN per pass: its finest tolerances are left out. */
const RESNET_TOLERANCES = [0.1, 0.05, 0.02];
const FIXED_STEPS = 50;

/** Relative L2 distance of each sample's map from the reference's (the IG tests use it too). */
export function relErrors(maps: Float32Array, ref: Float32Array, n: number): number[] {
  const per = maps.length / n;
  return Array.from({ length: n }, (_, s) => {
    let d = 0, r = 0;
    for (let j = s * per; j < (s + 1) * per; j++) { d += (maps[j] - ref[j]) ** 2; r += ref[j] ** 2; }
    return Math.sqrt(d / r);
  });
}

async function compare(name: string, model: Model, data: Float32Array, shape: [number, number, number, number], tolerances = TOLERANCES) {
  const n = shape[0];
  const targets = argmax(await model.predict(data, shape));
  const input: AttributionInput = { data, shape, targets, seeds: new Uint32Array(n) };
  const ig = async (params: Record<string, unknown>) => {
    const m = configure({ name: 'integrated_gradients', ...params });
    const t0 = performance.now();
    const r = await m.method.run(model, input, m.params, {});
    return { ...r, seconds: (performance.now() - t0) / 1000 };
  };
  process.stderr.write(`  ${name}: 512-step reference\n`);
  const ref = (await ig({ n_steps: 512 })).maps;
  const fixed = await ig({ n_steps: FIXED_STEPS });
  const fixedError = median(relErrors(fixed.maps, ref, n));
  const auto = [];
  for (const tolerance of tolerances) {
    const r = await ig({ n_steps: 'auto', tolerance });
    const steps = Array.from(r.extras!.steps);
    auto.push({
      tolerance, median_error: median(relErrors(r.maps, ref, n)), max_error: Math.max(...relErrors(r.maps, ref, n)),
      median_passes: median(steps), mean_passes: steps.reduce((a, v) => a + v, 0) / n, steps, seconds: r.seconds,
      converged: r.extras!.converged.reduce((a, v) => a + v, 0),
    });
    process.stderr.write(`  ${name}: auto ${tolerance}: median error ${auto[auto.length - 1].median_error.toFixed(4)} (fixed ${FIXED_STEPS}: ${fixedError.toFixed(4)}), median passes ${median(steps)}\n`);
  }
  // The cheapest tolerance that is as accurate as fixed 50 steps.
  const enough = auto.filter((a) => a.median_error <= fixedError).sort((a, b) => a.median_passes - b.median_passes)[0];
  return {
    model: name, images: n, shape, fixed: { n_steps: FIXED_STEPS, method: 'gausslegendre', median_error: fixedError, passes: FIXED_STEPS, seconds: fixed.seconds },
    auto, as_accurate: enough ? { tolerance: enough.tolerance, median_passes: enough.median_passes, passes_vs_fixed: enough.median_passes / FIXED_STEPS } : null,
    target_met: enough ? enough.median_passes <= FIXED_STEPS / 2 : false,
  };
}

export async function igAutoBench(root: string) {
  const results = [];
  const cnn = await loadModel(join(root, 'test', 'fixtures', 'reference', 'fashion_cnn_good.ts.pt'), {});
  const fashion = await openDataset('fashion-mnist:test', { n: 64 });
  for await (const b of fashion.batches(64)) results.push(await compare('reference CNN', cnn, b.data, b.shape));
  const resnet = ensureResnet(root);
  if ('path' in resnet) {
    const model = await loadModel(resnet.path, {});
    const images = await openDataset('synthetic:4:3x224x224', {});
    for await (const b of images.batches(4)) results.push(await compare('resnet18', model, b.data, b.shape, RESNET_TOLERANCES));
  } else {
    results.push({ model: 'resnet18', skipped: resnet.skipped });
  }
  return {
    suite: 'ig-auto', machine: machine(), results,
    notes: [
      'relative L2 error of each map against 512 Gauss-Legendre steps; passes = forward+backward passes per image along the path (auto: its steps)',
      `target (issue 16): some tolerance reaches the median error of fixed ${FIXED_STEPS} steps with at most half the passes (median over images)`,
    ],
  };
}
