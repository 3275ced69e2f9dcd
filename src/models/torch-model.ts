/** TorchModel: a TorchScript model run by the native engine on cpu or cuda. */
import { UserError } from '../errors.js';
import { native, tensor, type NativeScriptModel, type Tensor } from '../native.js';
import { parseCard, type ModelCard } from './card.js';
import { checkInputShape, type LoadOptions, type Logits, type Model, type Precision } from './model.js';
import { defaultThreads } from '../util/threads.js';

interface NativeError extends Error { code?: string }

/** Engine errors with a user code become UserErrors (exit 2); others pass through. */
export function fromNative(e: unknown): unknown {
  const err = e as NativeError;
  if (err?.code === 'E_FASS_SHAPE' || err?.code === 'E_FASS_USER') return new UserError(err.message);
  return e;
}

export class TorchModel implements Model {
  readonly kind = 'torchscript' as const;
  readonly inputShape: readonly (number | null)[] | null;
  readonly card: ModelCard | null;

  private constructor(
    readonly path: string,
    readonly device: string,
    readonly threads: number,
    readonly handle: NativeScriptModel,
    readonly precision: Precision,
  ) {
    this.card = parseCard(handle.card);
    if (this.card) this.inputShape = this.card.input_shape;
    else if (handle.firstConvInChannels > 0) this.inputShape = [handle.firstConvInChannels, null, null];
    else this.inputShape = null;
  }

  static async load(path: string, opts: LoadOptions = {}): Promise<TorchModel> {
    const device = opts.device ?? 'cpu';
    const threads = opts.threads ?? defaultThreads();
    let handle: NativeScriptModel;
    try {
      handle = await native().loadScriptModel(path, device, threads);
    } catch (e) {
      throw fromNative(e);
    }
    const precision = opts.precision ?? 'fp32';
    try {
      handle.setPrecision(precision);
    } catch (e) {
      throw fromNative(e);
    }
    const m = new TorchModel(path, device, threads, handle, precision);
    const mean = opts.mean ?? m.card?.mean;
    const std = opts.std ?? m.card?.std;
    if (mean && std) {
      if (mean.length !== std.length) throw new UserError(`--mean has ${mean.length} values, --std ${std.length}: give one per channel to both`);
      handle.setNormalisation(mean, std);
    }
    return m;
  }

  /** Logits as a native tensor: the entry point for pipelines that keep data native. */
  async predictTensor(x: Tensor): Promise<Tensor> {
    checkInputShape(this, x.shape);
    try {
      return await this.handle.predict(x, this.threads);
    } catch (e) {
      throw fromNative(e);
    }
  }

  async predict(data: Float32Array, shape: readonly number[]): Promise<Logits> {
    checkInputShape(this, shape);
    const x = tensor(data, shape);
    try {
      const y = await this.predictTensor(x);
      const out = { data: y.toTypedArray() as Float32Array, n: y.shape[0], classes: y.shape[1] };
      y.dispose();
      return out;
    } finally {
      x.dispose();
    }
  }

  submodules(): string[] {
    return this.handle.submodules();
  }

  dispose(): void {
    /* the native model is freed with its handle by the garbage collector */
  }
}

