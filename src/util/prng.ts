/** mulberry32's output for state a: a value in [0, 1). */
function mix(a: number): number {
  let t = a;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const STEP = 0x6d2b79f5;

/** mulberry32: a small seeded pseudo-random stream in [0, 1), for resampling and test inputs. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + STEP) >>> 0;
    return mix(a);
  };
}

/**
 * The means of `resamples` resamples (with replacement) of v, indices drawn from prng(seed) in
 * order: what calling prng(seed)() n times per resample gives, without the closure (a run's
 * aggregates draw hundreds of millions of indices; calling through it doubled a report's time).
 */
export function bootstrapMeans(v: Float64Array, seed: number, resamples: number): Float64Array {
  const n = v.length;
  const means = new Float64Array(resamples);
  let a = seed >>> 0;
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      a = (a + STEP) >>> 0;
      s += v[Math.floor(mix(a) * n)];
    }
    means[b] = s / n;
  }
  return means;
}
