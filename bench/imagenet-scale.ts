/**
 * ImageNet-scale throughput on one device (scripts/device-bench runs it on the GPU machine):
 * a TorchScript ResNet-50 (random weights, 224x224; scripts/make-resnet.py resnet50) over a folder of
 * generated JPEGs in ImageNet layout (bench/make-jpeg-folder.ts), for fp32 and bf16:
 *
 * - images/s of predict, saliency, Grad-CAM (layer4.2.conv3) and IG (32 steps), each the median of
 *   timed calls on one decoded batch; every call returns its maps or logits to the CPU, which waits
 *   for the device's work, and the device is synchronised before each clock read as well;
 * - IG efficiency: 32 x median(saliency) / median(IG), interleaved rounds (as bench/attribution.ts);
 * - CUDA memory: LibTorch's caching-allocator peaks per method (where the build has statistics);
 *   scripts/device-bench also samples nvidia-smi for the whole run;
 * - decoding images/s (sharp, all cores) against the rates the model consumes images at, and
 *   `evaluate` end to end (decode + predict) over the folder;
 * - bf16 against fp32: relative L2 of each method's maps on the same images;
 * - the default stability suite (30 perturbations, saliency + gradcam + IG 32 steps) on fewer
 *   images, in pairs/s.
 *
 * Sizes come from the environment (FASS_BENCH_*, below); FASS_BENCH_SMALL=1 gives tiny sizes that
 * run on a CPU in a few minutes (ResNet-18 from bench/models, 40 images), to check the bench end to
 * end before spending device time.
 * Results are written after every part, so a run stopped by its time limit still leaves them.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataset } from '../src/data/index.js';
import { configure } from '../src/methods/registry.js';
import type { AttributionInput, RunContext } from '../src/methods/types.js';
import { argmax, type Precision } from '../src/models/model.js';
import { evaluate } from '../src/models/evaluate.js';
import { TorchModel } from '../src/models/torch-model.js';
import { native } from '../src/native.js';
import { parsePerturbations, preset as perturbationPreset } from '../src/perturb/index.js';
import { presetValues } from '../src/config/presets.js';
import { runStability } from '../src/pipeline/stability.js';
import { makeJpegFolder } from './make-jpeg-folder.js';
import { machine, median } from './measure.js';

const SMALL = process.env.FASS_BENCH_SMALL === '1';
const env = (name: string, big: number, small: number) => Number(process.env[name] ?? (SMALL ? small : big));

function settings(root: string) {
  const cuda = native().buildInfo().cudaAvailable;
  return {
    device: process.env.FASS_BENCH_DEVICE ?? (cuda ? 'cuda' : 'cpu'),
    model: process.env.FASS_BENCH_MODEL ?? join(root, 'bench', 'models', SMALL ? 'resnet18.ts.pt' : 'resnet50.ts.pt'),
    layer: process.env.FASS_BENCH_LAYER ?? (SMALL ? 'layer4.1.conv2' : 'layer4.2.conv3'),
    folder: process.env.FASS_BENCH_FOLDER ?? '',
    precisions: (process.env.FASS_BENCH_PRECISIONS ?? 'fp32,bf16').split(',') as Precision[],
    images: env('FASS_BENCH_IMAGES', 5000, 40),          // JPEGs in the generated folder
    size: env('FASS_BENCH_SIZE', 224, 224),              // model input side (the model card's)
    batch: env('FASS_BENCH_BATCH', 64, 4),               // images per attribution call
    predictBatch: env('FASS_BENCH_PREDICT_BATCH', 256, 8),
    internal: env('FASS_BENCH_INTERNAL', 256, 32),       // most rows per model call inside a method
    steps: env('FASS_BENCH_IG_STEPS', 32, 4),
    reps: env('FASS_BENCH_REPS', 5, 2),                  // timed calls per method (after a warm-up)
    rounds: env('FASS_BENCH_ROUNDS', 3, 2),              // interleaved rounds for IG efficiency
    stabilityN: env('FASS_BENCH_STABILITY_N', 32, 2),
    stabilityPerturbations: process.env.FASS_BENCH_PERTURBATIONS ?? (SMALL ? 'rotate:10,hflip,jpeg:40' : 'default'),
    budgetS: env('FASS_BENCH_BUDGET_S', 480, 600),        // parts left when this is spent are skipped
    out: process.env.FASS_BENCH_OUT ?? '',
  };
}

function log(text: string): void {
  process.stderr.write(text + '\n');
}

const seedsOf = (n: number) => Uint32Array.from({ length: n }, (_, i) => Math.imul(i + 1, 0x9e3779b1) >>> 0);

function relL2(a: Float32Array, b: Float32Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) { num += (a[i] - b[i]) ** 2; den += b[i] ** 2; }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

export async function imagenetScale(root: string, write: (value: unknown) => void) {
  const s = settings(root);
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const sync = () => { if (s.device !== 'cpu') native().cudaSynchronize(s.device); };
  const info = native().buildInfo();
  const result: Record<string, any> = {
    suite: 'imagenet-scale', machine: machine(), small: SMALL, settings: s,
    engine: { torch: info.torchVersion, cuda_available: info.cudaAvailable, cuda_stats: info.cudaStats, cxx11_abi: info.cxx11Abi, parallel: info.parallel },
    notes: [
      'rates are images/s at the median of timed calls; every call returns its maps/logits to the CPU (a device-to-host copy waits for the work) and the device is synchronised before each clock read',
      'fp32 means IEEE float32 on CUDA (TF32 off in cuDNN and cuBLAS); bf16 is autocast around each forward',
    ],
    parts: {} as Record<string, unknown>,
    skipped: [] as string[],
  };
  const save = () => { result.seconds = elapsed(); write(result); };
  const within = (part: string) => {
    if (elapsed() < s.budgetS) return true;
    result.skipped.push(`${part}: time budget of ${s.budgetS} s spent`);
    log(`  skipping ${part}: ${elapsed().toFixed(0)} s of ${s.budgetS} s spent`);
    return false;
  };
  if (!existsSync(s.model)) throw new Error(`${s.model}: model not found (scripts/make-resnet.py resnet50 writes it; FASS_BENCH_MODEL names another)`);

  // --- the folder and decoding ------------------------------------------------------------------
  let folder = s.folder;
  let made = '';
  if (!folder) {
    made = folder = mkdtempSync(join(tmpdir(), 'fass-imagenet-'));
    const t0 = performance.now();
    await makeJpegFolder(folder, s.images, 10, SMALL ? [80, 96] : [256, 320]);
    result.parts.folder = { images: s.images, classes: 10, seconds_to_write: (performance.now() - t0) / 1000 };
    log(`folder: ${s.images} JPEGs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  try {
    const decode = async (n: number) => {
      const ds = await openDataset(folder, { n, size: s.size, channels: 3 });
      let images = 0;
      const t0 = performance.now();
      for await (const b of ds.batches(s.predictBatch)) images += b.shape[0];
      return { images, seconds: (performance.now() - t0) / 1000 };
    };
    await decode(Math.min(s.images, s.predictBatch));  // warm the file cache and sharp
    const d = await decode(s.images);
    result.parts.decode = {
      images: d.images, seconds: d.seconds, images_per_s: d.images / d.seconds,
      threads: Number(process.env.UV_THREADPOOL_SIZE ?? 4), note: 'openDataset over the folder (sharp: decode, resize, centre crop to size), batches of predict_batch; UV_THREADPOOL_SIZE bounds sharp\'s parallel decodes',
    };
    log(`decode: ${(d.images / d.seconds).toFixed(0)} images/s (${d.images} images, UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? 'unset (4)'})`);
    save();

    // One decoded batch per use, kept in memory: the method timings measure the engine alone.
    const ds = await openDataset(folder, { n: Math.max(s.predictBatch, s.batch), size: s.size, channels: 3 });
    let pixels: Float32Array | null = null;
    for await (const b of ds.batches(Math.max(s.predictBatch, s.batch))) { pixels = b.data; break; }
    const per = 3 * s.size * s.size;
    const batchOf = (n: number) => pixels!.subarray(0, n * per);

    const methods = {
      saliency: configure({ name: 'saliency', abs: false }),
      gradcam: configure({ name: 'gradcam', layer: s.layer }),
      integrated_gradients: configure({ name: 'integrated_gradients', n_steps: s.steps, method: 'riemann_trapezoid', baseline: 'black' }),
    };
    const fp32Maps: Record<string, Float32Array> = {};
    const errN = Math.min(16, s.batch);
    const ctx: RunContext = { internalBatchSize: s.internal };

    for (const precision of s.precisions) {
      if (!within(`${precision} methods`)) break;
      const part: Record<string, any> = { precision };
      result.parts[precision] = part;
      const model = await TorchModel.load(s.model, { device: s.device, precision });
      const memory = (what: string, fn: () => Promise<void>) => async () => {
        if (s.device.startsWith('cuda')) native().cudaResetPeak(0);
        await fn();
        const m = s.device.startsWith('cuda') ? native().cudaMemory(0) : null;
        if (m) (part.cuda_memory_mb ??= {})[what] = { allocated_peak: m.allocatedPeak / 2 ** 20, reserved_peak: m.reservedPeak / 2 ** 20 };
      };

      // predict
      const px = batchOf(s.predictBatch), pshape = [s.predictBatch, 3, s.size, s.size];
      await memory('predict', async () => {
        await model.predict(px, pshape);
        const times: number[] = [];
        for (let r = 0; r < s.reps; r++) {
          sync();
          const t0 = performance.now();
          await model.predict(px, pshape);
          sync();
          times.push((performance.now() - t0) / 1000);
        }
        part.predict = { batch: s.predictBatch, median_s: median(times), images_per_s: s.predictBatch / median(times), samples_s: times };
      })();
      log(`${precision} predict: ${part.predict.images_per_s.toFixed(1)} images/s (batch ${s.predictBatch})`);

      const bx = batchOf(s.batch);
      const logits = await model.predict(bx, [s.batch, 3, s.size, s.size]);
      const input: AttributionInput = { data: bx, shape: [s.batch, 3, s.size, s.size], targets: argmax(logits), seeds: seedsOf(s.batch) };
      const once = async (name: keyof typeof methods) => {
        const m = methods[name];
        sync();
        const t0 = performance.now();
        const a = await m.method.run(model, input, m.params, ctx);
        sync();
        return { s: (performance.now() - t0) / 1000, a };
      };
      for (const name of Object.keys(methods) as (keyof typeof methods)[]) {
        if (!within(`${precision} ${name}`)) break;
        await memory(name, async () => {
          const first = await once(name);  // warm-up, and the maps for the bf16 error
          const maps = first.a.maps.slice(0, errN * (first.a.maps.length / s.batch));
          if (precision === 'fp32') fp32Maps[name] = maps;
          else if (fp32Maps[name]) (part.bf16_vs_fp32_rel_l2 ??= {})[name] = relL2(maps, fp32Maps[name]);
          const reps = name === 'integrated_gradients' ? Math.max(2, Math.ceil(s.reps / 2)) : s.reps;
          const times: number[] = [];
          for (let r = 0; r < reps; r++) times.push((await once(name)).s);
          part[name] = {
            batch: s.batch, median_s: median(times), images_per_s: s.batch / median(times), samples_s: times,
            passes_per_call: { forward: first.a.cost.forwardPasses, backward: first.a.cost.backwardPasses },
            params: methods[name].params,
          };
        })();
        log(`${precision} ${name}: ${part[name].images_per_s.toFixed(2)} images/s (batch ${s.batch})`);
        save();
      }

      // IG efficiency, interleaved (saliency, IG, saliency) per round.
      if (within(`${precision} ig_efficiency`)) {
        const sal: number[] = [], ig: number[] = [], perRound: number[] = [];
        for (let r = 0; r < s.rounds; r++) {
          const a = await once('saliency'), g = await once('integrated_gradients'), b = await once('saliency');
          sal.push(a.s, b.s); ig.push(g.s);
          perRound.push((s.steps * (a.s + b.s)) / 2 / g.s);
        }
        const eff = (s.steps * median(sal)) / median(ig);
        part.ig_efficiency = {
          definition: `${s.steps} x median(saliency abs=false, batch ${s.batch}) / median(integrated_gradients, batch ${s.batch}); ${s.rounds} interleaved rounds`,
          efficiency: eff, per_round: perRound, target: 0.95, meets_target: eff >= 0.95, saliency_s: sal, integrated_gradients_s: ig,
        };
        log(`${precision} IG efficiency ${eff.toFixed(3)} (per round ${perRound.map((x) => x.toFixed(3)).join(', ')})`);
      }

      // What the model consumes against what decoding supplies.
      const dec = (result.parts.decode as { images_per_s: number }).images_per_s;
      part.decode_vs_consumption = Object.fromEntries(['predict', 'saliency', 'gradcam', 'integrated_gradients'].filter((k) => part[k]).map((k) => [k, {
        model_images_per_s: part[k].images_per_s, decode_images_per_s: dec, decode_over_model: dec / part[k].images_per_s,
      }]));

      // evaluate end to end over the folder (decoding overlapped with predict).
      if (within(`${precision} evaluate`)) {
        const data = await openDataset(folder, { size: s.size, channels: 3 });
        const e = await evaluate(model, data, { batchSize: s.predictBatch });
        part.evaluate = { images: e.n + e.unlabelled, seconds: e.seconds, images_per_s_end_to_end: e.imagesPerSecond, images_per_s_in_model: e.predictImagesPerSecond, errors: e.errors.length };
        log(`${precision} evaluate: ${e.imagesPerSecond.toFixed(0)} images/s end to end, ${e.predictImagesPerSecond.toFixed(0)} in the model`);
      }
      save();

      // The default stability suite on fewer images.
      if (within(`${precision} stability`)) {
        const out = join(made || tmpdir(), `stability-${precision}-${process.pid}.duckdb`);
        const values = presetValues('default');
        const perturbations = s.stabilityPerturbations === 'default' ? perturbationPreset('default') : parsePerturbations(s.stabilityPerturbations);
        const data = await openDataset(folder, { n: s.stabilityN, size: s.size, channels: 3 });
        const stabMethods = [methods.saliency, methods.gradcam, methods.integrated_gradients];
        const t0 = performance.now();
        const r = await runStability({
          model, data, methods: stabMethods, perturbations, metrics: values.metrics, filter: { kind: 'none' }, reduce: values.reduce,
          seed: 0, batchSize: s.batch, internalBatchSize: s.internal, out, gallery: 0,
        });
        const seconds = (performance.now() - t0) / 1000;
        part.stability = {
          images: s.stabilityN, perturbations: perturbations.length, methods: stabMethods.map((m) => m.method.name),
          filter: 'none (every pair attributed and scored)', pairs: r.pairs, errors: r.errors, seconds,
          pairs_per_s: r.pairs / seconds, images_per_s: s.stabilityN / seconds,
          attributions_per_s: (s.stabilityN * (perturbations.length + 1) * stabMethods.length) / seconds,
        };
        rmSync(out, { force: true });
        rmSync(out + '.wal', { force: true });
        log(`${precision} stability: ${s.stabilityN} images x ${perturbations.length} perturbations x ${stabMethods.length} methods in ${seconds.toFixed(1)} s (${(r.pairs / seconds).toFixed(1)} pairs/s, ${r.errors} errors)`);
      }
      model.dispose();
      save();
    }
  } finally {
    if (made) rmSync(made, { recursive: true, force: true });
  }
  save();
  return result;
}
