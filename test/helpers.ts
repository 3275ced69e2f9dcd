/** Helpers shared by the tests: temp dirs, fixtures, comparisons, error checks, running the CLI. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import type { Batch, BatchOptions, Dataset } from '../src/data/index.js';
import { native } from '../src/native.js';

const made: string[] = [];

/** A fresh temp directory, removed when the process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `fass-${prefix}-`));
  made.push(dir);
  return dir;
}
process.on('exit', () => { for (const d of made) rmSync(d, { recursive: true, force: true }); });

export async function collect(ds: Dataset, batchSize: number, opts?: BatchOptions): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of ds.batches(batchSize, opts)) out.push(b);
  return out;
}

/** Awaits `p` (or calls it), asserting it fails with an instance of `cls` whose message holds every `parts`. */
export async function throwsWith(p: Promise<unknown> | (() => unknown), cls: Function, ...parts: string[]): Promise<Error> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected a ${cls.name}, nothing was thrown`);
  assert.instance(err, cls, `expected ${cls.name}, got ${(err as Error).name}: ${(err as Error).message}`);
  for (const part of parts) {
    assert.ok((err as Error).message.includes(part), `message "${(err as Error).message}" lacks "${part}"`);
  }
  return err as Error;
}

/** Max |a - b| over two equally long arrays. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.is(a.length, b.length, 'lengths differ');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A file under test/fixtures (resolved from dist/test or test alike). */
export function fixture(...parts: string[]): string {
  return join(repoRoot(), 'test', 'fixtures', ...parts);
}

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

export function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

export function readI64(path: string): number[] {
  const b = readFileSync(path);
  return Array.from(new BigInt64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)), Number);
}

/** Max |a - b| / max(|b|, floor): the reference comparisons' relative error. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  assert.is(a.length, b.length, 'lengths differ');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), floor));
  return m;
}

/** The reference CNN, its 16 test images and their Captum-side logits. */
export const reference = {
  torchscript: () => fixture('reference', 'fashion_cnn_good.ts.pt'),
  onnx: () => fixture('reference', 'fashion_cnn_good.onnx'),
  images: () => readF32(fixture('data', 'images16.bin')),
  logits: () => readF32(fixture('reference', 'logits.bin')),
  pred: () => readI64(fixture('reference', 'pred.bin')),
};

/**
 * The device the engine tests run their models (and native batches) on: $FASS_TEST_DEVICE, else
 * cpu. `FASS_TEST_DEVICE=cuda node scripts/run-tests.mjs` runs the reference comparisons on a GPU;
 * tests of CPU-only properties (bit-identity across batch splits) pin cpu.
 */
export function testDevice(): string {
  return process.env.FASS_TEST_DEVICE || 'cpu';
}

/** A host batch as a tensor on the test device (the batch itself on cpu, so CPU runs are unchanged). */
export function onTestDevice<T extends { data: Float32Array; shape: readonly number[] }>(b: T): T | import('../src/native.js').Tensor {
  const device = testDevice();
  if (device === 'cpu') return b;
  return new (native().Tensor)(b.data, b.shape, device);
}

export const FASHION_MNIST = process.env.FASS_FASHION_MNIST || '/usr/share/datasets/fashion-mnist';
export const hasFashionMnist = () => existsSync(join(FASHION_MNIST, 't10k-images-idx3-ubyte.gz'));

/** Prints the reason a test did not run its checks; run-tests shows these lines. */
export function skip(reason: string): void {
  process.stdout.write(`skip: ${reason}\n`);
}

export interface CliResult { code: number; stdout: string; stderr: string }

/** Runs the compiled CLI in a child process. */
export function cli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot(), 'dist', 'src', 'cli', 'main.js'), ...args], {
      cwd: opts.cwd ?? repoRoot(), env: { ...process.env, ...opts.env },
    });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Asserts max|a - ref| <= rel * max|ref| (the reference comparisons' "relative" tolerance). */
export function assertClose(a: ArrayLike<number>, ref: ArrayLike<number>, rel: number, what: string): void {
  assert.is(a.length, ref.length, `${what}: lengths differ`);
  let md = 0, mr = 0;
  for (let i = 0; i < ref.length; i++) { md = Math.max(md, Math.abs(a[i] - ref[i])); mr = Math.max(mr, Math.abs(ref[i])); }
  assert.ok(md <= rel * mr, `${what}: max |diff| ${md} exceeds ${rel} x max |ref| ${mr}`);
}
