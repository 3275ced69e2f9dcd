/**
 * OnnxModel: an onnxruntime-node session behind the Model interface (forward passes only, for
 * the methods that need no gradients), run on a worker thread of its own (onnx-session.ts).
 * Normalisation, when asked for, is applied here in JS. A forward twin may also hold spare
 * sessions, which take calls only while the cores they stand for are lent to it (setOpen).
 */
import { InputFileError, UserError } from '../errors.js';
import { checkInputShape, type LoadOptions, type Logits, type Model } from './model.js';
import { defaultThreads } from '../util/threads.js';
import { native } from '../native.js';
import { OnnxSession } from './onnx-session.js';
import { performance } from 'node:perf_hooks';
import type { InferenceSession } from 'onnxruntime-node';

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}

export class OnnxModel implements Model {
  readonly kind = 'onnx' as const;
  readonly precision = 'fp32' as const;
  readonly inputShape: readonly (number | null)[] | null;
  /** How many of the sessions take calls (the first always), since when, and the session-seconds before that. */
  private open = 1;
  private openSince = performance.now();
  private openSeconds = 0;

  private constructor(
    readonly path: string,
    readonly device: string,
    /** The first takes every call unless spares are open; all are alike (same file, same options). */
    private readonly sessions: OnnxSession[],
    private readonly mean?: number[],
    private readonly std?: number[],
  ) {
    const dims = sessions[0].inputDims;
    this.inputShape = dims && dims.length === 4 ? dims.slice(1).map((d) => (typeof d === 'number' && d > 0 ? d : null)) : null;
  }

  /**
   * `spares`: sessions besides the first, each with `threads` threads, that take calls only while
   * open (setOpen): a forward twin's stand-ins for LibTorch's cores while LibTorch has no work.
   */
  static async load(path: string, opts: LoadOptions & { spares?: number } = {}): Promise<OnnxModel> {
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
    const options: InferenceSession.SessionOptions = {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionProviders: device === 'cpu' ? ['cpu'] : ['cuda', 'cpu'],
      // onnxruntime's workers spin between calls by default, taking the cores from LibTorch
      // when the two alternate (a forward twin beside gradient methods): let them sleep.
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    };
    let sessions: OnnxSession[];
    try {
      const made = await Promise.allSettled(Array.from({ length: 1 + (opts.spares ?? 0) }, () => OnnxSession.create(path, options)));
      sessions = made.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const failed = made.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        for (const x of sessions) x.release();
        throw failed.reason;
      }
    } catch (e) {
      throw new InputFileError(path, `not a loadable ONNX model (${firstLine(e)})`);
    }
    if (opts.mean && opts.std && opts.mean.length !== opts.std.length) {
      throw new UserError(`--mean has ${opts.mean.length} values, --std ${opts.std.length}: give one per channel to both`);
    }
    return new OnnxModel(path, device, sessions, opts.mean, opts.std);
  }

  /** Spare sessions: how many more calls can run at once while they are open. */
  get spares(): number {
    return this.sessions.length - 1;
  }

  /**
   * Whether the spare sessions take calls: open while the cores they stand for have no other
   * work. A call's logits do not depend on the session that made them (alike, one call each).
   */
  setOpen(spares: boolean): void {
    const now = performance.now();
    this.openSeconds += ((now - this.openSince) / 1000) * this.open;
    this.openSince = now;
    this.open = spares ? this.sessions.length : 1;
  }

  /** Sessions open times seconds, summed since load: over a span, divided by its length, the sessions it had on average. */
  sessionSeconds(): number {
    return this.openSeconds + ((performance.now() - this.openSince) / 1000) * this.open;
  }

  /** The open session with the fewest calls waiting (the first on a tie). */
  private session(): OnnxSession {
    let best = this.sessions[0];
    for (let i = 1; i < this.open; i++) if (this.sessions[i].waiting < best.waiting) best = this.sessions[i];
    return best;
  }

  /** The normalised copy of `data`, or `data` itself without normalisation. */
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

  async predict(data: Float32Array, shape: readonly number[], handOver = false): Promise<Logits> {
    checkInputShape(this, shape);
    const input = this.normalise(data, shape);
    let y;
    try {
      // A normalised copy is this call's own: it moves to the worker, as `data` may where handed over.
      y = await this.session().run(input, shape, handOver || input !== data);
    } catch (e) {
      throw new UserError(`the model rejected input of shape [${shape.join(', ')}]: ${firstLine(e)}`);
    }
    if (y.dims.length !== 2 || y.dims[0] !== shape[0]) {
      throw new UserError(`${this.path}: output has shape [${y.dims.join(', ')}], expected logits [N, classes] for a batch of ${shape[0]}`);
    }
    return { data: y.data, n: y.dims[0], classes: y.dims[1] };
  }

  dispose(): void {
    for (const x of this.sessions) x.release();
  }
}
