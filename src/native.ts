/**
 * The compiled engine (build/Release/fass_native.node) and the types of what it exports.
 * Everything heavy runs in its worker threads; these calls return promises.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export type Dtype = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8';
export type TypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

/** A LibTorch tensor held in native memory (on its device) until read back. */
export interface Tensor {
  readonly shape: number[];
  readonly dtype: Dtype | null;
  readonly device: string | null;
  readonly disposed: boolean;
  toTypedArray(): TypedArray;
  to(device: string): Tensor;
  dispose(): void;
}
export interface TensorConstructor {
  new (data: TypedArray, shape: readonly number[], device?: string): Tensor;
}

export interface NativeScriptModel {
  readonly card: string;
  readonly device: string;
  readonly firstConvInChannels: number;
  predict(x: Tensor, threads?: number): Promise<Tensor>;
  submodules(): string[];
  setNormalisation(mean: number[], std: number[]): void;
}

export interface TrainOptions {
  images: Tensor;
  labels: Tensor;
  steps: number;
  batchSize: number;
  lr: number;
  seed: number;
  device: string;
  threads: number;
  classes: number;
  width1?: number;
  width2?: number;
  hidden?: number;
  out: string;
  card: string;
}

export interface Native {
  Tensor: TensorConstructor;
  loadScriptModel(path: string, device: string, threads?: number): Promise<NativeScriptModel>;
  trainReferenceCnn(
    o: TrainOptions,
    onProgress?: (step: number, total: number, loss: number) => void,
  ): Promise<{ steps: number; epochs: number; finalLoss: number }>;
  buildInfo(): { torchVersion: string; cudaAvailable: boolean; cudaDevices: number; mkldnn: boolean; parallel: string };
}

function packageRoot(): string {
  // dist/src/native.js or src/native.ts: walk up to the folder holding package.json
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('fass: package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

let cached: Native | undefined;

export function native(): Native {
  if (cached) return cached;
  const path = join(packageRoot(), 'build', 'Release', 'fass_native.node');
  if (!existsSync(path)) {
    throw new Error(`fass: the native engine is not built (${path} is missing). Run scripts/setup, or npm run build:native.`);
  }
  cached = createRequire(import.meta.url)(path) as Native;
  return cached;
}

/** Copies a typed array into a new native tensor of the given shape (and device). */
export function tensor(data: TypedArray, shape: readonly number[], device?: string): Tensor {
  return new (native().Tensor)(data, shape, device);
}
