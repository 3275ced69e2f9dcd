/**
 * The native kernels of the black-box methods (bindings/kernels_wrap.cpp over native/kernels/;
 * their types are in native.ts): the accessor the methods use.
 */
import { native, tensor, type BlackBoxKernels, type Tensor } from '../../native.js';
import { fromNative } from '../../models/torch-model.js';

export function kernels(): BlackBoxKernels {
  return native().kernels;
}

/** Awaits a native kernel call, turning the engine's user errors into UserErrors. */
export async function nativeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw fromNative(e);
  }
}

/** A Float32Array as a 1-D native tensor. */
export function vector(values: Float32Array): Tensor {
  return tensor(values, [values.length]);
}
