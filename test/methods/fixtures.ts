/** The batches the method tests explain: the 16 reference images, and the linear model's inputs. */
import { TorchModel } from '../../src/models/index.js';
import type { AttributionInput, Method } from '../../src/methods/types.js';
import { fixture, readF32, reference, testDevice } from '../helpers.js';

export function referenceInput(seed = 0): AttributionInput {
  return { data: reference.images(), shape: [16, 1, 28, 28], targets: Int32Array.from(reference.pred()), seeds: Uint32Array.from({ length: 16 }, (_, i) => seed * 1000 + i) };
}

/** The reference CNN on the test device (FASS_TEST_DEVICE), or on `device` when a test pins one. */
export const referenceModel = (threads = 2, device = testDevice()) => TorchModel.load(reference.torchscript(), { threads, device });

/** f(x) = W flatten(x) + b on (1,8,8) inputs, 3 classes (scripts/make-fixtures.py). */
export const linear = {
  model: () => TorchModel.load(fixture('models', 'linear.ts.pt'), { threads: 1, device: testDevice() }),
  W: () => readF32(fixture('models', 'linear_w.bin')),
  b: () => readF32(fixture('models', 'linear_b.bin')),
  /** n deterministic inputs in [0,1] with their targets (the argmax of the linear model). */
  input(n = 4): AttributionInput {
    const data = Float32Array.from({ length: n * 64 }, (_, i) => ((i * 7919) % 101) / 100);
    const W = this.W(), b = this.b();
    const targets = Int32Array.from({ length: n }, (_, s) => {
      const f = [0, 1, 2].map((k) => b[k] + W.slice(k * 64, k * 64 + 64).reduce((acc, w, j) => acc + w * data[s * 64 + j], 0));
      return f.indexOf(Math.max(...f));
    });
    return { data, shape: [n, 1, 8, 8], targets, seeds: Uint32Array.from({ length: n }, (_, i) => 17 + i) };
  },
  /** W[t_s] laid out like the input, for each sample. */
  weightMaps(input: AttributionInput): Float32Array {
    const W = this.W(), out = new Float32Array(input.data.length);
    input.targets.forEach((t, s) => out.set(W.subarray(t * 64, t * 64 + 64), s * 64));
    return out;
  },
};

export async function run<P>(method: Method<P>, model: Awaited<ReturnType<typeof referenceModel>>, input: AttributionInput, params: unknown, ctx = {}) {
  return method.run(model, input, method.params.parse(params), ctx);
}
