/** Assembling per-sample maps into the batch's (N,C',H,W) result. */
import type { Tensor } from '../../native.js';
import { readTensor } from '../../native.js';

export class MapBatch {
  readonly data: Float32Array;
  readonly shape: [number, number, number, number];

  constructor(n: number, channels: number, h: number, w: number) {
    this.shape = [n, channels, h, w];
    this.data = new Float32Array(n * channels * h * w);
  }

  /** Writes one (1,H,W) plane as every channel of sample i, scaled by `scale`. */
  setPlane(i: number, plane: Tensor, scale = 1): void {
    const values = readTensor(plane);
    const [, c, h, w] = this.shape;
    const size = h * w;
    if (values.length !== size) throw new Error(`map plane has ${values.length} values, expected ${size}`);
    const out = this.data.subarray(i * c * size, (i + 1) * c * size);
    for (let j = 0; j < size; j++) out[j] = Number(values[j]) * scale;
    for (let k = 1; k < c; k++) out.copyWithin(k * size, 0, size);
    plane.dispose();
  }
}
