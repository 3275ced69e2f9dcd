/**
 * torchvision's model zoo at full size (scripts/make-zoo.py --full: random weights, 224 px),
 * scripted (the usual way), on a folder of generated JPEGs:
 *
 * - per model, images/s of saliency and Grad-CAM (its default layer) on 8 images and IG (32 steps)
 *   on 2 (64 rows, whole kernel batches), each the median of timed calls on the same images, fass (bench/zoo-child.ts) against the same
 *   computation in eager PyTorch run just after it (bench/zoo_torch.py), and each side's peak RSS;
 * - the memory target: peak RSS of `fass stability` with saliency, integrated_gradients (50 steps)
 *   and gradcam on densenet121, convnext_tiny and vit_b_16, with the default memory budget and
 *   with none (the internal batches before budgets existed);
 * - every model file, scripted and traced (vit_b_16 scripted only), through `fass stability` with
 *   the demo's six methods at their defaults on one image and its horizontal flip (--filter none,
 *   so that every method explains both whatever the random weights predict): exit code,
 *   pairs kept and errors, seconds, peak RSS (FASS_BENCH_ZOO_SIX=0 skips it).
 *
 * FASS_BENCH_ZOO_MODELS (comma-separated), _IMAGES (8: one CPU kernel batch at 224 px, so no call is
 * padded), _IG_IMAGES (2), _REPS (3), _STEPS (32), _MEMORY_IMAGES (2) change the
 * sizes; _SPEED=0 and _SIX=0 skip the first and last parts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeJpegFolder } from './make-jpeg-folder.js';
import { machine } from './measure.js';

const MODELS = ['resnet18', 'densenet121', 'mobilenet_v3_small', 'efficientnet_b0', 'convnext_tiny', 'vit_b_16', 'swin_t'];
const MEMORY_MODELS = ['densenet121', 'convnext_tiny', 'vit_b_16'];
const NORMALISE = ['--mean', '0.485', '0.456', '0.406', '--std', '0.229', '0.224', '0.225'];

function json(cmd: string, args: string[]): Record<string, unknown> {
  return JSON.parse(execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 }).trim().split('\n').pop()!);
}

/** Peak RSS of a command's process tree's largest process, its wall time and its stdout. */
function peakRss(args: string[]): { max_rss_bytes: number; seconds: number; exit: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/python3', ['-c',
    'import resource,subprocess,sys; c=subprocess.run(sys.argv[1:]).returncode; print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, c)', ...args],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  const lines = r.stdout.trim().split('\n');
  const [kb, code] = lines.pop()!.trim().split(/\s+/).map(Number);
  return { max_rss_bytes: kb * 1024, seconds: (performance.now() - t0) / 1000, exit: code, stdout: lines.join('\n') };
}

export async function zooBench(root: string) {
  const dir = join(root, 'bench', 'models', 'zoo');
  const models = (process.env.FASS_BENCH_ZOO_MODELS ?? MODELS.join(',')).split(',');
  const env = (k: string, d: number) => Number(process.env[`FASS_BENCH_ZOO_${k}`] ?? d);
  const images = env('IMAGES', 8), igImages = env('IG_IMAGES', 2), reps = env('REPS', 3), steps = env('STEPS', 32), memoryImages = env('MEMORY_IMAGES', 2);
  const threads = availableParallelism();
  if (models.some((m) => !existsSync(join(dir, `${m}.script.pt`)))) {
    process.stderr.write('bench zoo: writing the full-size models (scripts/make-zoo.py --full)\n');
    execFileSync('/usr/bin/python3', [join(root, 'scripts', 'make-zoo.py'), '--full', dir], { stdio: 'inherit' });
  }
  const tmp = mkdtempSync(join(tmpdir(), 'fass-bench-zoo-'));
  const folder = join(tmp, 'photos');
  await makeJpegFolder(folder, Math.max(images, 4), 2);
  const cli = join(root, 'dist', 'src', 'cli', 'main.js');
  try {
    const perModel: Record<string, unknown> = {};
    for (const arch of env('SPEED', 1) ? models : []) {
      process.stderr.write(`bench zoo: ${arch}\n`);
      const f = json(process.execPath, [join(root, 'dist', 'bench', 'zoo-child.js'), join(dir, `${arch}.script.pt`), folder, String(images), String(igImages), String(steps), String(reps), String(threads), tmp]);
      const fs = f.seconds as Record<string, number>;
      const t = json('/usr/bin/python3', [join(root, 'bench', 'zoo_torch.py'), arch, join(tmp, 'images.bin'), (f.targets as number[]).join(','), String(f.layer), String(igImages), String(steps), '32', String(reps), String(threads)]);
      const rate = (s: number) => images / s, igRate = (s: number) => igImages / s;
      perModel[arch] = {
        layer: f.layer,
        images_per_s: { saliency: rate(fs.saliency), gradcam: rate(fs.gradcam), integrated_gradients: igRate(fs.integrated_gradients) },
        pytorch_images_per_s: { saliency: rate(t.saliency as number), gradcam: rate(t.gradcam as number), integrated_gradients: igRate(t.ig as number) },
        speedup_vs_pytorch: { saliency: (t.saliency as number) / fs.saliency, gradcam: (t.gradcam as number) / fs.gradcam, integrated_gradients: (t.ig as number) / fs.integrated_gradients },
        peak_rss_gb: { fass: (f.max_rss_bytes as number) / 2 ** 30, pytorch: (t.max_rss_bytes as number) / 2 ** 30 },
      };
      process.stderr.write(`  ${JSON.stringify(perModel[arch])}\n`);
    }
    const memory: Record<string, unknown> = {};
    for (const arch of MEMORY_MODELS.filter((m) => models.includes(m))) {
      for (const budget of ['default', 'none']) {
        const out = join(tmp, `${arch}-${budget}.duckdb`);
        const r = peakRss([process.execPath, cli, 'stability', '--model', join(dir, `${arch}.script.pt`), '--data', folder, '--n', String(memoryImages),
          ...NORMALISE, '--methods', 'saliency,integrated_gradients,gradcam', '--perturbations', 'hflip', '--out', out, '--quiet',
          ...(budget === 'none' ? ['--memory-budget', 'none'] : [])]);
        memory[`${arch}/${budget}`] = { peak_rss_gb: r.max_rss_bytes / 2 ** 30, seconds: r.seconds, exit: r.exit };
        process.stderr.write(`  stability ${arch}, budget ${budget}: ${JSON.stringify(memory[`${arch}/${budget}`])}\n`);
      }
    }
    const six: Record<string, unknown> = {};
    for (const arch of env('SIX', 1) ? models : []) {
      for (const how of arch === 'vit_b_16' ? ['script'] : ['script', 'trace']) {
        const out = join(tmp, `${arch}-${how}-six.duckdb`);
        const r = peakRss([process.execPath, cli, 'stability', '--model', join(dir, `${arch}.${how}.pt`), '--data', folder, '--n', '1', ...NORMALISE,
          '--methods', 'saliency,integrated_gradients,gradient_shap,gradcam,occlusion,lime', '--perturbations', 'hflip', '--filter', 'none', '--out', out, '--quiet', '--json']);
        const run = r.exit === 0 ? JSON.parse(r.stdout).run : null;
        six[`${arch}/${how}`] = { exit: r.exit, pairs: run?.pairs, kept: run?.kept, errors: run?.errors, seconds: r.seconds, peak_rss_gb: r.max_rss_bytes / 2 ** 30 };
        process.stderr.write(`  six methods ${arch} (${how}): ${JSON.stringify(six[`${arch}/${how}`])}\n`);
      }
    }
    return { suite: 'zoo', machine: machine(), images, ig_images: igImages, memory_images: memoryImages, reps, ig_steps: steps, threads, models: perModel, stability_peak_rss: memory, target_peak_rss_gb: 4, six_methods: six };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
