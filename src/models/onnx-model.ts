/**
 * OnnxModel: an onnxruntime-node session behind the Model interface (forward passes only, for
 * the methods that need no gradients). Normalisation, when asked for, is applied here in JS.
 */
import * as ort from 'onnxruntime-node';
import { InputFileError, UserError } from '../errors.js';
import { checkInputShape, type LoadOptions, type Logits, type Model } from './model.js';
import { defaultThreads } from '../util/threads.js';
import { native } from '../native.js';

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}

export class OnnxModel implements Model {
  readonly kind = 'onnx' as const;
  readonly precision = 'fp32' as const;
  readonly inputShape: readonly (number | null)[] | null;

  private constructor(
    readonly path: string,
    readonly device: string,
    private readonly session: ort.InferenceSession,
    private readonly mean?: number[],
    private readonly std?: number[],
  ) {
    const meta = session.inputMetadata[0];
    const dims = meta && meta.isTensor ? meta.shape : undefined;
    this.inputShape = dims && dims.length === 4 ? dims.slice(1).map((d) => (typeof d === 'number' && d > 0 ? d : null)) : null;
  }

  static async load(path: string, opts: LoadOptions = {}): Promise<OnnxModel> {
    const device = opts.device ?? 'cpu';
    if (opts.precision && opts.precision !== 'fp32') {
      throw new UserError(`--precision ${opts.precision} runs TorchScript models only (autocast in the native engine); ${path} is ONNX: use --precision fp32`);
    }
    if (device !== 'cpu') {
      if (!native().buildInfo().cudaAvailable) {
        throw new UserError(`device '${device}' asked for, but CUDA is not available on this machine; use --device cpu`);
      }
    }
    const threads = opts.threads ?? defaultThreads();
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(path, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionProviders: device === 'cpu' ? ['cpu'] : ['cuda', 'cpu'],
        // onnxruntime's workers spin between calls by default, taking the cores from LibTorch
        // when the two alternate (a forward twin beside gradient methods): let them sleep.
        extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
      });
    } catch (e) {
      throw new InputFileError(path, `not a loadable ONNX model (${firstLine(e)})`);
    }
    if (opts.mean && opts.std && opts.mean.length !== opts.std.length) {
      throw new UserError(`--mean has ${opts.mean.length} values, --std ${opts.std.length}: give one per channel to both`);
    }
    return new OnnxModel(path, device, session, opts.mean, opts.std);
  }

  private normalise(data: Float32Array, shape: readonly number[]): Float32Array {
    if (!this.mean || !this.std) return data;
    const [n, c, h, w] = shape;
    if (c !== this.mean.length) throw new UserError(`normalisation has ${this.mean.length} channel(s), the input has ${c}`);
    const out = new Float32Array(data.length);
    const plane = h * w;
    for (let i = 0; i < n * c; i++) {
      const k = i % c, m = this.mean[k], s = this.std[k];
      for (let j = i * plane; j < (i + 1) * plane; j++) out[j] = (data[j] - m) / s;
    }
    return out;
  }

  async predict(data: Float32Array, shape: readonly number[]): Promise<Logits> {
    checkInputShape(this, shape);
    const input = new ort.Tensor('float32', this.normalise(data, shape), [...shape]);
    let out: ort.InferenceSession.ReturnType;
    try {
      out = await this.session.run({ [this.session.inputNames[0]]: input });
    } catch (e) {
      throw new UserError(`the model rejected input of shape [${shape.join(', ')}]: ${firstLine(e)}`);
    }
    const y = out[this.session.outputNames[0]];
    if (y.dims.length !== 2 || y.dims[0] !== shape[0]) {
      throw new UserError(`${this.path}: output has shape [${y.dims.join(', ')}], expected logits [N, classes] for a batch of ${shape[0]}`);
    }
    return { data: Float32Array.from(y.data as Float32Array), n: Number(y.dims[0]), classes: Number(y.dims[1]) };
  }

  dispose(): void {
    void this.session.release();
  }
}
