/**
 * Foundation benchmarks: predict images/s against batch size for the reference CNN under
 * TorchScript (native LibTorch) and ONNX (onnxruntime-node), and image-folder decode throughput
 * (sharp: decode, resize, centre crop) with a generated folder of JPEGs.
 */
import { mkdirSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { openDataset } from '../src/data/index.js';
import { loadModel } from '../src/models/index.js';
import { native } from '../src/native.js';
import { defaultThreads } from '../src/util/threads.js';
import { machine, measure, type Measured } from './measure.js';

const BATCHES = [1, 8, 32, 64, 256, 1024];

async function predictSuite(path: string, threads: number) {
  const model = await loadModel(path, { threads });
  const rows: Measured[] = [];
  for (const n of BATCHES) {
    const x = Float32Array.from({ length: n * 784 }, (_, i) => ((i * 2654435761) % 1000) / 1000);
    const shape = [n, 1, 28, 28];
    await model.predict(x, shape); // warm-up
    const m = await measure(`${model.kind} predict batch ${n}`, n, () => model.predict(x, shape), { maxTime: 3 });
    rows.push(m);
    process.stderr.write(`  ${m.name}: ${Math.round(m.units_per_s)} images/s (median of ${m.samples})\n`);
  }
  model.dispose();
  return rows;
}

async function makeJpegFolder(count: number, size: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'fass-bench-jpeg-'));
  mkdirSync(join(dir, 'class0'));
  for (let i = 0; i < count; i++) {
    const raw = Buffer.alloc(size * size * 3);
    for (let p = 0; p < raw.length; p++) raw[p] = (p * 31 + i * 17 + ((p / 3 / size) | 0) * 7) & 255;
    await sharp(raw, { raw: { width: size, height: size, channels: 3 } }).jpeg({ quality: 85 }).toFile(join(dir, 'class0', `${String(i).padStart(5, '0')}.jpg`));
  }
  return dir;
}

async function decodeSuite() {
  const count = 256, source = 320;
  const dir = await makeJpegFolder(count, source);
  try {
    const ds = await openDataset(dir, { size: 224 });
    const m = await measure(`folder decode ${source}px JPEG -> 3x224x224, batch 64`, count, async () => {
      for await (const b of ds.batches(64)) if (b.errors.length) throw new Error(b.errors[0].reason);
    }, { maxTime: 10, minSamples: 3 });
    process.stderr.write(`  ${m.name}: ${Math.round(m.units_per_s)} images/s\n`);
    return { ...m, sharp_concurrency: sharp.concurrency(), libvips: sharp.versions.vips };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function foundation(ts: string, onnx: string) {
  const threads = defaultThreads();
  process.stderr.write('predict, TorchScript (LibTorch)\n');
  const torchscript = await predictSuite(ts, threads);
  process.stderr.write('predict, ONNX (onnxruntime-node)\n');
  const onnxRows = await predictSuite(onnx, threads);
  process.stderr.write('image folder decode\n');
  const decode = await decodeSuite();
  return {
    suite: 'foundation',
    machine: { ...machine(), threads, torch: native().buildInfo().torchVersion },
    model: 'reference CNN (test/fixtures/reference/fashion_cnn_good), input 1x28x28',
    predict: { torchscript, onnx: onnxRows },
    decode,
  };
}
