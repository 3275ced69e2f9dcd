/**
 * One model's fass side of `npm run bench zoo`, in a process of its own so that its peak RSS is
 * its own: saliency and Grad-CAM (the default layer) on the first N images of a folder at 224 px,
 * IG (Gauss-Legendre, STEPS) on the first IG_N of them, each the median seconds of REPS timed
 * calls after a warm-up. Writes the images and targets to OUT for the PyTorch side; prints JSON.
 * Usage: node dist/bench/zoo-child.js MODEL FOLDER N IG_N STEPS REPS THREADS OUT
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDataset } from '../src/data/index.js';
import { prepareMethods } from '../src/methods/prepare.js';
import { configure } from '../src/methods/registry.js';
import { argmax } from '../src/models/model.js';
import { TorchModel } from '../src/models/torch-model.js';
import { median } from './measure.js';

const [modelPath, folder, n, igN, steps, reps, threads, out] = process.argv.slice(2);
const data = await openDataset(folder, { n: Number(n), size: 224 });
let batch;
for await (const b of data.batches(Number(n))) batch = b;
if (!batch) throw new Error(`no images in ${folder}`);
const model = await TorchModel.load(modelPath, { threads: Number(threads), mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
const targets = argmax(await model.predict(batch.data, batch.shape));
writeFileSync(join(out, 'images.bin'), batch.data);
const prepared = await prepareMethods(model, ['saliency', 'gradcam', 'integrated_gradients'].map((name) =>
  configure(name === 'integrated_gradients' ? { name, n_steps: Number(steps) } : { name })), data.shape);
const [, c, h, w] = batch.shape;
const inputOf = (k: number) => ({ data: batch.data.subarray(0, k * c * h * w), shape: [k, c, h, w] as [number, number, number, number], targets: targets.subarray(0, k), seeds: new Uint32Array(k) });
const seconds: Record<string, number> = {};
for (const m of prepared.methods) {
  const input = inputOf(m.method.name === 'integrated_gradients' ? Number(igN) : batch.shape[0]);
  await m.method.run(model, input, m.params, {});
  const times: number[] = [];
  for (let r = 0; r < Number(reps); r++) {
    const t0 = performance.now();
    await m.method.run(model, input, m.params, {});
    times.push((performance.now() - t0) / 1000);
  }
  seconds[m.method.name] = median(times);
}
process.stdout.write(JSON.stringify({
  seconds, layer: prepared.layers[0].layer, targets: Array.from(targets), max_rss_bytes: process.resourceUsage().maxRSS * 1024,
}) + '\n');
