/**
 * The worker thread that holds an onnxruntime session (onnx-session.ts). onnxruntime-node's
 * `run` computes on the thread that calls it, so a session on the JavaScript thread stopped every
 * other piece of the run's JavaScript for as long as each call took, and each call waited on that
 * JavaScript in turn. Here calls run one after another, in the order they came.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { SessionReply, SessionRequest, SessionSetup } from './onnx-session.js';

const port = parentPort!;
const { path, options } = workerData as SessionSetup;

function message(e: unknown): string {
  return String((e as Error)?.message ?? e);
}

async function main(): Promise<void> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, options);
  } catch (e) {
    port.postMessage({ kind: 'failed', error: message(e) } satisfies SessionReply);
    return;
  }
  const meta = session.inputMetadata[0];
  port.postMessage({ kind: 'ready', inputDims: meta && meta.isTensor ? [...meta.shape] : null } satisfies SessionReply);
  // One message at a time, in order: a release waits for the calls made before it.
  let queue = Promise.resolve();
  port.on('message', (m: SessionRequest) => { queue = queue.then(() => handle(session, m)); });
}

async function handle(session: ort.InferenceSession, m: SessionRequest): Promise<void> {
  if (m.kind === 'release') {
    await session.release();
    port.close();
    return;
  }
  try {
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', m.data, m.dims) });
    const y = out[session.outputNames[0]];
    const data = Float32Array.from(y.data as Float32Array);
    // The input goes back too, to be reused for a later call's (float-pool.ts).
    port.postMessage({ kind: 'result', id: m.id, data, dims: y.dims.map(Number), input: m.data } satisfies SessionReply, [data.buffer, m.data.buffer as ArrayBuffer]);
  } catch (e) {
    port.postMessage({ kind: 'error', id: m.id, error: message(e) } satisfies SessionReply);
  }
}

void main();
