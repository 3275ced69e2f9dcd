/**
 * Deterministic synthetic images for tests: image i is a pure function of (i, shape), a smooth
 * sum of two plane waves per channel whose frequencies and phases come from an integer hash of
 * (i, channel). No Math.random, so every run and every machine sees the same pixels.
 */
import { indexedDataset } from './indexed.js';
import type { Dataset } from './types.js';

export interface SyntheticSpec {
  count: number;
  shape: [number, number, number];
  classes: number;
}

/** A small integer hash (lowbias32 by Chris Wellons): well mixed, 32-bit, exact in JS. */
export function hash32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** A value in [0, 1) drawn from (seed, k). */
function unit(seed: number, k: number): number {
  return hash32((seed ^ hash32(k + 0x9e3779b9)) >>> 0) / 2 ** 32;
}

function writeImage(i: number, [c, h, w]: [number, number, number], dst: Float32Array, off: number): void {
  for (let ch = 0; ch < c; ch++) {
    const seed = hash32(Math.imul(i, 0x10001) + ch);
    // Between 0.5 and 3 cycles across the image: smooth at any size, different per image.
    const f1 = 0.5 + 2.5 * unit(seed, 1), f2 = 0.5 + 2.5 * unit(seed, 2);
    const a1 = 2 * Math.PI * unit(seed, 3), a2 = 2 * Math.PI * unit(seed, 4);
    const p1 = 2 * Math.PI * unit(seed, 5), p2 = 2 * Math.PI * unit(seed, 6);
    const k1x = (2 * Math.PI * f1 * Math.cos(a1)) / w, k1y = (2 * Math.PI * f1 * Math.sin(a1)) / h;
    const k2x = (2 * Math.PI * f2 * Math.cos(a2)) / w, k2y = (2 * Math.PI * f2 * Math.sin(a2)) / h;
    const base = off + ch * h * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = 0.5 + 0.25 * Math.sin(k1x * x + k1y * y + p1) + 0.25 * Math.sin(k2x * x + k2y * y + p2);
        dst[base + y * w + x] = v;
      }
    }
  }
}

export function canonicalSynthetic(s: SyntheticSpec): string {
  return `synthetic:${s.count}:${s.shape.join('x')}:${s.classes}`;
}

export function openSynthetic(s: SyntheticSpec, n?: number): Dataset {
  return indexedDataset({
    name: canonicalSynthetic(s),
    size: Math.min(s.count, n ?? s.count),
    shape: s.shape,
    classes: Array.from({ length: s.classes }, (_, k) => `class${k}`),
    idPrefix: 'synthetic',
    label: (i) => i % s.classes,
    write: (i, dst, off) => writeImage(i, s.shape, dst, off),
  });
}
