/**
 * A folder of JPEGs in ImageNet layout (class subfolders) for throughput benchmarks. Sixteen
 * textured source images (colour gradients, Gaussian blobs, stripes, pixel noise; 512 x 512) are
 * drawn once in JS; each file is its own crop of one of them, of a side drawn from [min, max] px,
 * with its own hue, brightness and orientation, encoded at quality 90, so every file decodes on
 * its own and is as hard to decode as a photograph of that size with fine detail. sharp does the
 * per-file work in libuv's thread pool (UV_THREADPOOL_SIZE). Deterministic for a given count.
 */
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { prng as rng } from '../src/util/prng.js';

const SOURCE = 512;

function source(k: number): Buffer {
  const r = rng(k * 7919 + 1), n = SOURCE;
  const blobs = Array.from({ length: 6 }, () => ({ x: r() * n, y: r() * n, s: (0.03 + 0.12 * r()) * n, c: [r() - 0.3, r() - 0.3, r() - 0.3] }));
  const base = [r(), r(), r()], grad = [r() - 0.5, r() - 0.5, r() - 0.5];
  const fx = 0.02 + 0.3 * r(), fy = 0.02 + 0.3 * r();
  const buf = Buffer.alloc(n * n * 3);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const stripe = 0.12 * Math.sin(fx * x + fy * y);
      let b0 = 0, b1 = 0, b2 = 0;
      for (const b of blobs) {
        const g = Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.s * b.s));
        b0 += b.c[0] * g; b1 += b.c[1] * g; b2 += b.c[2] * g;
      }
      const v = [base[0] + grad[0] * (x / n) + stripe + b0, base[1] + grad[1] * (y / n) + stripe + b1, base[2] + stripe + b2];
      for (let c = 0; c < 3; c++) buf[(y * n + x) * 3 + c] = Math.max(0, Math.min(255, Math.round((v[c] + 0.08 * (r() - 0.5)) * 200)));
    }
  }
  return buf;
}

export async function makeJpegFolder(dir: string, count: number, classes = 10, sides: [number, number] = [256, 320]): Promise<void> {
  for (let c = 0; c < classes; c++) mkdirSync(join(dir, `n${String(c).padStart(8, '0')}`), { recursive: true });
  const sources = Array.from({ length: 16 }, (_, k) => source(k));
  const parallel = Math.max(4, Number(process.env.UV_THREADPOOL_SIZE ?? 4));
  const jobs = new Set<Promise<void>>();
  for (let i = 0; i < count; i++) {
    const r = rng(i + 12345);
    const w = Math.min(SOURCE, sides[0] + Math.floor(r() * (sides[1] - sides[0] + 1)));
    const h = Math.min(SOURCE, sides[0] + Math.floor(r() * (sides[1] - sides[0] + 1)));
    const left = Math.floor(r() * (SOURCE - w + 1)), top = Math.floor(r() * (SOURCE - h + 1));
    const file = join(dir, `n${String(i % classes).padStart(8, '0')}`, `img_${String(i).padStart(6, '0')}.JPEG`);
    let img = sharp(sources[i % 16], { raw: { width: SOURCE, height: SOURCE, channels: 3 } })
      .extract({ left, top, width: w, height: h })
      .modulate({ hue: Math.floor(r() * 360), brightness: 0.7 + 0.6 * r(), saturation: 0.6 + 0.8 * r() });
    if (r() < 0.5) img = img.flop();
    const job = img.jpeg({ quality: 90 }).toBuffer().then((b) => writeFile(file, b)).then(() => { jobs.delete(job); });
    jobs.add(job);
    if (jobs.size >= parallel * 2) await Promise.race(jobs);
  }
  await Promise.all(jobs);
}

// As a script: node dist/bench/make-jpeg-folder.js DIR [COUNT]
if (process.argv[1] && process.argv[1].endsWith('make-jpeg-folder.js')) {
  const [dir, count] = [process.argv[2], Number(process.argv[3] ?? 5000)];
  if (!dir) { process.stderr.write('usage: make-jpeg-folder.js DIR [COUNT]\n'); process.exit(2); }
  const t0 = performance.now();
  await makeJpegFolder(dir, count);
  process.stderr.write(`wrote ${count} JPEGs under ${dir} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}
