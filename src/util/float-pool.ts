/**
 * Float32Arrays kept for reuse: the model inputs that black-box methods compose (thousands of
 * calls a batch, each a fresh array of the same few sizes) go to onnxruntime's worker thread and
 * come back with the logits (onnx-session.ts), instead of each being allocated, zero-filled by
 * V8, page-faulted in and freed again.
 */

/** Most bytes the pool holds: a few calls' inputs of every size in use. */
const MOST_BYTES = 128 << 20;

const free = new Map<number, Float32Array[]>();
let held = 0;

/**
 * An array of `length` floats whose contents are left as they are (a reused array's old values,
 * or uninitialised memory): for callers that write every element before reading any. It owns its
 * whole buffer, so it can be moved to another thread.
 */
export function takeFloats(length: number): Float32Array {
  const kept = free.get(length)?.pop();
  if (kept) {
    held -= kept.byteLength;
    return kept;
  }
  return new Float32Array(Buffer.allocUnsafeSlow(length * 4).buffer, 0, length);
}

/** Gives `a` to the pool (the caller must not use it again); dropped when the pool is full. */
export function giveFloats(a: Float32Array): void {
  if (a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength || a.byteLength === 0 || held + a.byteLength > MOST_BYTES) return;
  let list = free.get(a.length);
  if (!list) free.set(a.length, (list = []));
  list.push(a);
  held += a.byteLength;
}
