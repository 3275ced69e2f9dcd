/** Test doubles for the black-box methods: models whose logits are computed in JS. */
import type { Logits, Model } from '../../../src/models/model.js';
export { prng } from '../../../src/util/prng.js';

/**
 * f_k(x) = w_k . x + b_k, computed in float64. A masked composite b + (x - b) m is additive over
 * any partition of the pixels, so Shapley values and regression coefficients have closed forms.
 */
export class LinearModel implements Model {
  readonly kind = 'onnx' as const;
  readonly path = 'js:linear';
  readonly device = 'cpu';
  readonly precision = 'fp32' as const;
  readonly inputShape: readonly number[];
  calls = 0;
  images = 0;

  constructor(readonly weights: Float64Array[], readonly bias: number[], shape: readonly number[]) {
    this.inputShape = shape;
  }

  async predict(data: Float32Array, shape: readonly number[]): Promise<Logits> {
    const [n] = shape;
    const size = data.length / n;
    const classes = this.weights.length;
    const out = new Float32Array(n * classes);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < classes; k++) {
        let s = this.bias[k];
        const w = this.weights[k];
        for (let j = 0; j < size; j++) s += w[j] * data[i * size + j];
        out[i * classes + k] = s;
      }
    }
    this.calls += 1;
    this.images += n;
    return { data: out, n, classes };
  }

  /** Class k's logit of one image in float64. */
  logit(k: number, x: ArrayLike<number>): number {
    let s = this.bias[k];
    for (let j = 0; j < x.length; j++) s += this.weights[k][j] * x[j];
    return s;
  }

  dispose(): void {}
}

export function randomArray(n: number, next: () => number, lo = 0, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * next());
}

/** Pearson correlation of two equally long arrays. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
  ma /= n; mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma, db = b[i] - mb;
    sab += da * db; saa += da * da; sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** True when the two arrays are equal bit for bit. */
export function bitEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}
