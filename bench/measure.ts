/**
 * benchmark.js wrapped for async work: runs `fn` until benchmark.js is satisfied (or `maxTime`
 * seconds) and reports the median seconds per call with the spread, which on shared, noisy
 * machines says more than the mean.
 */
import Benchmark from 'benchmark';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, cpus } from 'node:os';

export interface Measured {
  name: string;
  median_s: number;
  min_s: number;
  max_s: number;
  samples: number;
  /** units of work per call (images, pairs) and the derived rate at the median */
  units_per_call: number;
  units_per_s: number;
}

/** The median of some numbers (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function measure(name: string, unitsPerCall: number, fn: () => Promise<unknown>, opts: { maxTime?: number; minSamples?: number } = {}): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const b = new Benchmark(name, {
      defer: true,
      async: true,
      maxTime: opts.maxTime ?? 4,
      minSamples: opts.minSamples ?? 5,
      fn: (d: { resolve(): void }) => { fn().then(() => d.resolve(), reject); },
      onComplete: () => {
        const s = b.stats.sample as number[], mid = median(s);
        resolve({ name, median_s: mid, min_s: Math.min(...s), max_s: Math.max(...s), samples: s.length, units_per_call: unitsPerCall, units_per_s: unitsPerCall / mid });
      },
      onError: (e: unknown) => reject(e),
    });
    b.run();
  });
}

export function machine() {
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), node: process.version, date: new Date().toISOString() };
}

/** Writes bench/results/<name>.json and returns its path. */
export function writeResult(root: string, name: string, value: unknown): string {
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
  return path;
}
