/**
 * An onnxruntime session on a worker thread of its own (onnx-worker.ts): its calls compute there,
 * while the JavaScript thread goes on preparing the next ones (composites, perturbations, scores)
 * and driving the native engine. Calls run in the order they are made; each call's numbers are
 * the session's, whatever thread runs it.
 */
import { Worker } from 'node:worker_threads';
import type { InferenceSession } from 'onnxruntime-node';
import { giveFloats, takeFloats } from '../util/float-pool.js';

/** What the worker is started with. */
export interface SessionSetup { path: string; options: InferenceSession.SessionOptions }

export type SessionRequest =
  | { kind: 'run'; id: number; data: Float32Array; dims: number[] }
  | { kind: 'release' };

export type SessionReply =
  | { kind: 'ready'; inputDims: (number | string)[] | null }
  | { kind: 'failed'; error: string }
  | { kind: 'result'; id: number; data: Float32Array; dims: number[]; input: Float32Array }
  | { kind: 'error'; id: number; error: string };

export interface SessionOutput { data: Float32Array; dims: number[] }

interface Pending { resolve: (out: SessionOutput) => void; reject: (e: Error) => void }

export class OnnxSession {
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  /** Why the worker stopped, once it has: later calls fail with it. */
  private ended: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    /** The first input's dimensions as the model declares them (names for symbolic ones). */
    readonly inputDims: (number | string)[] | null,
  ) {
    worker.on('message', (m: SessionReply) => {
      if (m.kind !== 'result' && m.kind !== 'error') return;
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.kind === 'result') {
        giveFloats(m.input);
        p?.resolve({ data: m.data, dims: m.dims });
      }
      else p?.reject(new Error(m.error));
    });
    const stop = (e: Error) => {
      this.ended ??= e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', stop);
    worker.on('exit', (code) => stop(new Error(`the onnxruntime worker exited (code ${code})`)));
    worker.unref();
  }

  /** The session of the model at `path`; rejects with onnxruntime's message when it does not load. */
  static create(path: string, options: InferenceSession.SessionOptions): Promise<OnnxSession> {
    const worker = new Worker(new URL('./onnx-worker.js', import.meta.url), { workerData: { path, options } satisfies SessionSetup });
    return new Promise((resolve, reject) => {
      const failed = (e: Error) => { worker.off('exit', exited); reject(e); };
      const exited = (code: number) => failed(new Error(`the onnxruntime worker exited (code ${code}) before its session loaded`));
      worker.once('message', (m: SessionReply) => {
        worker.off('error', failed).off('exit', exited);
        if (m.kind === 'ready') return resolve(new OnnxSession(worker, m.inputDims));
        void worker.terminate();
        reject(new Error(m.kind === 'failed' ? m.error : `unexpected ${m.kind}`));
      });
      worker.once('error', failed).once('exit', exited);
    });
  }

  /**
   * The first output for `data` as the first input. `data` is copied to the worker (it stays the
   * caller's), unless `handOver`: then its buffer moves there, and the caller must not use it
   * again (where it is a fresh array made for this call). What was sent comes back with the
   * output, for the float pool.
   */
  run(data: Float32Array, dims: readonly number[], handOver = false): Promise<SessionOutput> {
    if (this.ended) return Promise.reject(this.ended);
    const whole = handOver && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
    const sent = whole ? data : takeFloats(data.length);
    if (!whole) sent.set(data);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();  // a call is waiting: the process must not exit
      this.worker.postMessage({ kind: 'run', id, data: sent, dims: [...dims] } satisfies SessionRequest, [sent.buffer as ArrayBuffer]);
    });
  }

  /** Calls made and not yet answered. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Releases the session (calls already made are answered first); the worker ends when it has. */
  release(): void {
    if (this.ended) return;
    this.ended = new Error('the onnxruntime session was released');
    this.worker.postMessage({ kind: 'release' } satisfies SessionRequest);
  }
}
