/**
 * Streaming memory: a generated folder of 50,000 small JPEGs read through openDataset in batches,
 * with the resident set size sampled after every batch. Bounded streaming shows as an RSS that
 * stops growing after the first batches (the file list is the only thing that grows with the
 * folder). Writes the RSS curve's summary and decode throughput.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { openDataset } from '../src/data/index.js';
import { machine } from './measure.js';

const COUNT = Number(process.env.FASS_BENCH_STREAM_COUNT ?? 50000);
const SIDE = 48;

async function makeFolder(dir: string): Promise<void> {
  // Ten classes of 5,000; a few distinct source images, re-encoded per file so each decodes on its own.
  const sources = await Promise.all(Array.from({ length: 16 }, (_, s) => {
    const raw = Buffer.alloc(SIDE * SIDE * 3);
    for (let p = 0; p < raw.length; p++) raw[p] = (p * (s + 3) + ((p / 3 / SIDE) | 0) * 11) & 255;
    return sharp(raw, { raw: { width: SIDE, height: SIDE, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
  }));
  const { writeFile } = await import('node:fs/promises');
  for (let c = 0; c < 10; c++) mkdirSync(join(dir, `class${c}`));
  const jobs: Promise<void>[] = [];
  for (let i = 0; i < COUNT; i++) {
    jobs.push(writeFile(join(dir, `class${i % 10}`, `${String(i).padStart(6, '0')}.jpg`), sources[i % 16]));
    if (jobs.length >= 512) await Promise.all(jobs.splice(0));
  }
  await Promise.all(jobs);
}

export async function streaming() {
  const dir = mkdtempSync(join(tmpdir(), 'fass-bench-stream-'));
  try {
    process.stderr.write(`  writing ${COUNT} JPEGs of ${SIDE}x${SIDE} px\n`);
    await makeFolder(dir);
    const rssStart = process.memoryUsage().rss;
    const ds = await openDataset(dir, { size: 32, resize: 36, channels: 3 });
    const rssListed = process.memoryUsage().rss;
    const samples: { images: number; rss_mb: number }[] = [];
    let images = 0, errors = 0, peak = 0;
    const t0 = performance.now();
    for await (const b of ds.batches(256)) {
      images += b.shape[0];
      errors += b.errors.length;
      const rss = process.memoryUsage().rss;
      peak = Math.max(peak, rss);
      if (samples.length === 0 || images % 5120 < 256) samples.push({ images, rss_mb: rss / 2 ** 20 });
    }
    const seconds = (performance.now() - t0) / 1000;
    const after1k = samples.find((s) => s.images >= 1024)?.rss_mb ?? samples[0].rss_mb;
    const last = samples[samples.length - 1].rss_mb;
    const result = {
      suite: 'streaming', machine: machine(), images, errors, seconds, images_per_second: images / seconds,
      rss_mb: { before: rssStart / 2 ** 20, after_listing: rssListed / 2 ** 20, after_1k_images: after1k, at_end: last, peak: peak / 2 ** 20 },
      growth_after_1k_mb: last - after1k,
      curve: samples,
      note: 'decoded pixels held at any time: the batch in work and the one prefetched (2 x 256 x 3 x 32 x 32 floats = 6 MB)',
    };
    process.stderr.write(`  ${images} images in ${seconds.toFixed(1)} s; RSS ${after1k.toFixed(0)} MB after 1k images, ${last.toFixed(0)} MB at the end, peak ${(peak / 2 ** 20).toFixed(0)} MB\n`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
