/**
 * The 42-cell FASS job of issue 16, whole processes side by side: both Fashion-MNIST CNNs (the
 * demo's model and a deliberately poor one, trained with 30 steps if absent), the first 64 test
 * images, the default preset's brightness, contrast and gamma grids (7 perturbations), saliency,
 * IG (50 steps) and Grad-CAM: 2 x 7 x 3 = 42 cells. Each round runs the Captum-style Python loop
 * (bench/captum_loop.py, Debian's python3-torch, scipy, skimage) and then the same work as two
 * `fass stability` processes, and takes the ratio of their wall times; the suite reports each
 * round and the median (FASS_BENCH_CELLS_ROUNDS, 3). The loop runs no controls, so neither does
 * fass here (--controls none).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDataset } from '../src/data/index.js';
import { machine } from './measure.js';

const PERTURBATIONS = 'brightness:0.8|1.2|1.5,contrast:0.7|1.3,gamma:0.8|1.25';
const METHODS = 'saliency,integrated_gradients,gradcam';

function timed(cmd: string, args: string[], cwd: string): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.slice(-2000)}`);
  return (performance.now() - t0) / 1000;
}

export async function cells42Bench(root: string) {
  const cli = join(root, 'dist', 'src', 'cli', 'main.js');
  const good = join(root, 'models', 'fashion-cnn.pt'), poor = join(root, 'models', 'fashion-cnn-poor.pt');
  if (!existsSync(good)) return { suite: 'cells42', skipped: `${good} not found: run npm run demo (or fass train) first` };
  if (!existsSync('/usr/bin/python3') || spawnSync('/usr/bin/python3', ['-c', 'import torch, scipy, skimage']).status !== 0) {
    return { suite: 'cells42', skipped: 'the Captum-style loop needs Debian\'s python3-torch, python3-scipy and python3-skimage' };
  }
  if (!existsSync(poor)) timed(process.execPath, [cli, 'train', '--steps', '30', '--out', poor, '--quiet'], root);
  const dir = mkdtempSync(join(tmpdir(), 'fass-bench-cells42-'));
  try {
    const data = await openDataset('fashion-mnist:test', { n: 64 });
    for await (const b of data.batches(64)) writeFileSync(join(dir, 'images.bin'), b.data);
    const threads = String((await import('node:os')).availableParallelism());
    const rounds = Number(process.env.FASS_BENCH_CELLS_ROUNDS ?? 3);
    const results = [];
    for (let r = 0; r < rounds; r++) {
      const loop = timed('/usr/bin/python3', [join(root, 'bench', 'captum_loop.py'), join(dir, 'images.bin'), threads, good, poor], root);
      let fass = 0;
      for (const [i, model] of [good, poor].entries()) {
        fass += timed(process.execPath, [cli, 'stability', '--model', model, '--data', 'fashion-mnist:test', '--n', '64', '--methods', METHODS,
          '--perturbations', PERTURBATIONS, '--controls', 'none', '--gallery', '0', '--batch-size', '64', '--quiet', '--out', join(dir, `r${r}-${i}.duckdb`)], root);
      }
      results.push({ loop_s: loop, fass_s: fass, ratio: loop / fass });
      process.stderr.write(`  round ${r + 1}: loop ${loop.toFixed(1)} s, fass ${fass.toFixed(1)} s: ${(loop / fass).toFixed(2)}x\n`);
    }
    const ratios = results.map((x) => x.ratio).sort((a, b) => a - b);
    return {
      suite: 'cells42', machine: machine(), models: [good, poor], images: 64, perturbations: PERTURBATIONS, methods: METHODS,
      rounds: results, median_ratio: ratios[Math.floor(ratios.length / 2)], min_ratio: ratios[0],
      notes: ['whole-process wall times, the loop run just before fass in each round; target (issue 16): median >= 2.5x, no round below 2x'],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
