/**
 * TorchModel: a TorchScript model run by the native engine on cpu or cuda. On the CPU, its
 * gradient-free calls go to its ONNX forward twin when it has one (forward-twin.ts).
 */
import { UserError } from '../errors.js';
import { native, tensor, type NativeScriptModel, type Tensor, readTensor } from '../native.js';
import { parseCard, type ModelCard } from './card.js';
import { checkInputShape, type LoadOptions, type Logits, type Model, type Precision } from './model.js';
import { findForwardTwin } from './forward-twin.js';
import { OnnxModel } from './onnx-model.js';
import { defaultThreads } from '../util/threads.js';
import { defaultMemoryBudget } from '../util/memory.js';

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
  /** Where gradient-free calls run: LibTorch, or onnxruntime through the forward twin. */
  forwardBackend: 'libtorch' | 'onnxruntime' = 'libtorch';
  /** Why the twin is not used, when it is not (for logs). */
  twinReason = 'not looked for';
  private twin: OnnxModel | null = null;

  private constructor(
    readonly path: string,
    readonly device: string,
    readonly threads: number,
    readonly handle: NativeScriptModel,
    readonly precision: Precision,
    private readonly options: LoadOptions,
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
      handle.setMemoryBudget(opts.memoryBudget ?? defaultMemoryBudget(device));
    } catch (e) {
      throw fromNative(e);
    }
    // The forward twin, or why it is not used.
    const found = device !== 'cpu' ? { reason: `device ${device}: LibTorch runs every call` }
      : precision !== 'fp32' ? { reason: `precision ${precision}: LibTorch's autocast runs every call` }
      : opts.onnxForward === false ? { reason: 'turned off (--no-onnx-forward)' }
      : findForwardTwin(path);
    // Side by side, one thread each does more in all than both taking turns on every core
    // (docs/decisions.md, "Method lanes").
    const split = !('reason' in found) && opts.splitThreads === true && threads >= 2;
    const twinThreads = split ? Math.ceil(threads / 2) : threads;
    const m = new TorchModel(path, device, split ? threads - twinThreads : threads, handle, precision, opts);
    const mean = opts.mean ?? m.card?.mean;
    const std = opts.std ?? m.card?.std;
    if (mean && std) {
      if (mean.length !== std.length) throw new UserError(`--mean has ${mean.length} values, --std ${std.length}: give one per channel to both`);
      handle.setNormalisation(mean, std);
    }
    if ('reason' in found) m.twinReason = found.reason;
    else {
      // Split, the twin also holds a spare session for LibTorch's share of the cores, to take
      // calls while LibTorch has none to make (lendToTwin).
      m.twin = await OnnxModel.load(found.path, { device, threads: twinThreads, mean, std, spares: split ? 1 : 0 });
      m.forwardBackend = 'onnxruntime';
      m.twinReason = `using ${found.path}`;
    }
    return m;
  }

  /**
   * Whether LibTorch's share of the cores goes to the twin's spare session: while a stability run's
   * gradient methods are done and its forward-only ones still run (none without a spare).
   */
  lendToTwin(lend: boolean): void {
    this.twin?.setOpen(lend);
  }

  /** The twin's spare sessions (lendToTwin); 0 without a twin. */
  get twinSpares(): number {
    return this.twin?.spares ?? 0;
  }

  /** The twin's sessions open times seconds so far (OnnxModel.sessionSeconds); null without a twin. */
  sessionSeconds(): number | null {
    return this.twin ? this.twin.sessionSeconds() : null;
  }

  /** Logits of a native batch, by LibTorch (the black-box methods' entry point when there is no twin). */
  async logitsOf(x: Tensor): Promise<Logits> {
    const y = await this.predictTensor(x);
    try {
      return { data: readTensor(y) as Float32Array, n: y.shape[0], classes: y.shape[1] };
    } finally {
      y.dispose();
    }
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

  async predict(data: Float32Array, shape: readonly number[], handOver = false): Promise<Logits> {
    checkInputShape(this, shape);
    if (this.twin) return this.twin.predict(data, shape, handOver);
    const x = tensor(data, shape);
    try {
      const y = await this.predictTensor(x);
      const out = { data: readTensor(y) as Float32Array, n: y.shape[0], classes: y.shape[1] };
      y.dispose();
      return out;
    } finally {
      x.dispose();
    }
  }

  submodules(): string[] {
    return this.handle.submodules();
  }

  /** The model's weights by name (for exports). */
  parameters(): { name: string; shape: number[]; data: Float32Array }[] {
    return this.handle.parameters();
  }

  /**
   * A second handle on the same file with the same options but no forward twin: its weights may
   * be changed (model randomisation) without touching this model's.
   */
  copy(): Promise<TorchModel> {
    return TorchModel.load(this.path, { ...this.options, onnxForward: false, splitThreads: false });
  }

  dispose(): void {
    /* the native model is freed with its handle by the garbage collector */
    this.twin?.dispose();
  }
}

