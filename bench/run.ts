/**
 * npm run bench [suite...]: runs the named suites (all by default) and writes one JSON file per
 * suite under bench/results/. Medians and ratios only mean something within one run.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { existsSync } from 'node:fs';
import { attribution } from './attribution.js';
import { foundation } from './foundation.js';
import { osrBench } from './osr.js';
import { imagenetScale } from './imagenet-scale.js';
import { similarityBench } from './similarity.js';
import { cells42Bench } from './cells42.js';
import { igAutoBench } from './ig-auto.js';
import { stabilityBench } from './stability.js';
import { streaming } from './streaming.js';
import { writeResult } from './measure.js';
import { zooBench } from './zoo.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

const root = repoRoot();
const ref = (f: string) => join(root, 'test', 'fixtures', 'reference', f);
const suites: Record<string, () => Promise<unknown>> = {
  foundation: () => foundation(ref('fashion_cnn_good.ts.pt'), ref('fashion_cnn_good.onnx')),
  attribution: () => attribution(root, ref('fashion_cnn_good.ts.pt'), ref('fashion_cnn_good.onnx'), join(root, 'test', 'fixtures', 'data', 'images16.bin')),
  similarity: () => similarityBench(),
  // The demo's configuration end to end on 64 images (FASS_BENCH_STABILITY_N): pairs/s.
  stability: () => stabilityBench(root),
  // The 42-cell job against a Captum-style Python loop, whole processes, three rounds (issue 16).
  cells42: () => cells42Bench(root),
  // IG n_steps auto against fixed 50 steps: error against 512 steps and passes per image.
  'ig-auto': () => igAutoBench(root),
  // 50,000 JPEGs: about 6 minutes on 2 cores; FASS_BENCH_STREAM_COUNT makes it smaller.
  streaming: () => streaming(),
  // K=64 batched GANs against K=1 one by one; FASS_BENCH_OSR_IMAGES/_EPOCHS/_ROUNDS make it smaller or larger.
  osr: () => osrBench(ref('fashion_cnn_good.ts.pt')),
  // ResNet-50 at 224 px on one device (cuda when available), fp32 and bf16: scripts/device-bench.
  // FASS_BENCH_SMALL=1 runs it on tiny sizes (ResNet-18, 40 images) to check it on a CPU.
  // torchvision's models at full size, 224 px, against eager PyTorch; fass stability's peak RSS.
  zoo: () => zooBench(root),
  'imagenet-scale': () => imagenetScale(root, (v) => writeResult(root, 'imagenet-scale', v)),
};

// imagenet-scale runs only when named (it needs a ResNet-50 and, at its default sizes, a GPU),
// and so does zoo (seven full-size models on a CPU: over an hour on 2 cores).
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(suites).filter((s) => s !== 'imagenet-scale' && s !== 'zoo');
for (const name of wanted) {
  const run = suites[name];
  if (!run) {
    process.stderr.write(`unknown suite '${name}'; suites: ${Object.keys(suites).join(', ')}\n`);
    process.exit(2);
  }
  process.stderr.write(`== ${name}\n`);
  const path = writeResult(root, name, await run());
  process.stderr.write(`wrote ${path}\n`);
}
