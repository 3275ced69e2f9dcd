/**
 * A folder of JPEGs in ImageNet layout (class subfolders) for throughput benchmarks: smooth random
 * colour fields with blobs and stripes, each file its own image (so each decodes on its own), sides
 * drawn from [min, max] px, quality 90. Deterministic for a given count. Written with sharp, as
 * many at once as libuv's thread pool runs (UV_THREADPOOL_SIZE).
 */
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One image: a few coloured Gaussian blobs and a stripe pattern over a gradient, with noise. */
function pixels(i: number, w: number, h: number): Buffer {
  const r = rng(i * 7919 + 1);
  const blobs = Array.from({ length: 4 }, () => ({ x: r() * w, y: r() * h, s: (0.05 + 0.2 * r()) * Math.min(w, h), c: [r(), r(), r()] }));
  const base = [r(), r(), r()], grad = [r() - 0.5, r() - 0.5, r() - 0.5];
  const fx = 0.02 + 0.2 * r(), fy = 0.02 + 0.2 * r();
  const buf = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const stripe = 0.15 * Math.sin(fx * x + fy * y);
      for (let c = 0; c < 3; c++) {
        let v = base[c] + grad[c] * (x / w) + stripe;
        for (const b of blobs) v += b.c[c] * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.s * b.s));
        v += 0.04 * (r() - 0.5);
        buf[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v * 180)));
      }
    }
  }
  return buf;
}

export async function makeJpegFolder(dir: string, count: number, classes = 10, sides: [number, number] = [256, 320]): Promise<void> {
  for (let c = 0; c < classes; c++) mkdirSync(join(dir, `n${String(c).padStart(8, '0')}`), { recursive: true });
  const parallel = Math.max(4, Number(process.env.UV_THREADPOOL_SIZE ?? 4));
  const jobs = new Set<Promise<void>>();
  for (let i = 0; i < count; i++) {
    const r = rng(i + 12345);
    const w = sides[0] + Math.floor(r() * (sides[1] - sides[0] + 1));
    const h = sides[0] + Math.floor(r() * (sides[1] - sides[0] + 1));
    const file = join(dir, `n${String(i % classes).padStart(8, '0')}`, `img_${String(i).padStart(6, '0')}.JPEG`);
    const job = sharp(pixels(i, w, h), { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toBuffer()
      .then((b) => writeFile(file, b)).then(() => { jobs.delete(job); });
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
