/**
 * OSR's batched GANs (native/osr/): K images trained at once equal the same images trained one by
 * one with the same seeds (the same code path, small widths and few steps so it runs in seconds).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TorchModel } from '../../src/models/torch-model.js';
import { native, tensor, type NativeOsrOptions, type NativeOsrResult } from '../../src/native.js';
import { OsrMetric, osrConfig } from '../../src/metrics/osr.js';
import { maxDiff, reference } from '../helpers.js';

// The engine takes every value: OsrOptions' defaults (batch 64, delta 5, lr, lambdas) for the rest.
const OPTS: NativeOsrOptions = new OsrMetric(osrConfig({
  generatorWidths: [32, 64], discriminatorWidths: [32, 16], ganCopies: 192, ganEpochs: 2, ganSamples: 12, noiseEps: 0.1,
}), 0).nativeOptions(1);
const PER = 28 * 28;

async function setup() {
  const model = await TorchModel.load(reference.torchscript(), { threads: 1 });
  const images = reference.images().subarray(0, 4 * PER);
  const targets = reference.pred().slice(0, 4);
  return { model, images, targets, seeds: [11, 22, 33, 44], noise: [5, 6, 7, 8] };
}

interface Read { samples: Float32Array; accepted: Uint8Array; pred: BigInt64Array; noisePred: BigInt64Array; dLoss: Float32Array; steps: number }

async function train(model: TorchModel, images: Float32Array, targets: number[], seeds: number[], noise: number[], opts = OPTS): Promise<Read> {
  const k = targets.length;
  const i64 = (a: number[]) => tensor(BigInt64Array.from(a, BigInt), [k]);
  const r: NativeOsrResult = await native().trainOsrGans(model.handle, tensor(images, [k, 1, 28, 28]), i64(targets), i64(seeds), i64(noise), opts);
  return {
    samples: r.samples.toTypedArray() as Float32Array, accepted: r.accepted.toTypedArray() as Uint8Array,
    pred: r.samplePred.toTypedArray() as BigInt64Array, noisePred: r.noisePred.toTypedArray() as BigInt64Array,
    dLoss: r.dLoss.toTypedArray() as Float32Array, steps: r.steps,
  };
}

test('K=4 batched equals four K=1 trainings with the same seeds', async () => {
  const s = await setup();
  const batched = await train(s.model, s.images, s.targets, s.seeds, s.noise);
  assert.is(batched.steps, 2 * 3);
  assert.is(batched.samples.length, 4 * 12 * PER);
  const singles: Read[] = [];
  for (let i = 0; i < 4; i++) {
    singles.push(await train(s.model, s.images.slice(i * PER, (i + 1) * PER), [s.targets[i]], [s.seeds[i]], [s.noise[i]]));
  }
  const cat = (f: (r: Read) => ArrayLike<number>) => Float64Array.from(singles.flatMap((r) => Array.from(f(r))));
  const d = maxDiff(batched.samples, cat((r) => r.samples));
  assert.ok(d <= 1e-5, `samples differ by ${d}`);
  assert.ok(maxDiff(batched.dLoss, cat((r) => r.dLoss)) <= 1e-4, 'losses differ');
  assert.equal(Array.from(batched.noisePred), singles.flatMap((r) => Array.from(r.noisePred)), 'noise predictions');
  // The samples agree to float rounding; a decision could flip only on an exact tie, which these are not.
  assert.equal(Array.from(batched.accepted), singles.flatMap((r) => Array.from(r.accepted)), 'acceptance decisions');
  // Samples are images: in [0, 1] and not all alike (the generator draws differ per latent code).
  assert.ok(batched.samples.every((v) => v >= 0 && v <= 1));
  assert.ok(maxDiff(batched.samples.subarray(0, PER), batched.samples.subarray(PER, 2 * PER)) > 0);
});

test('the same seeds give the same samples; another seed another GAN', async () => {
  const s = await setup();
  const one = s.images.slice(0, PER);
  const a = await train(s.model, one, [s.targets[0]], [1], [2]);
  const b = await train(s.model, one, [s.targets[0]], [1], [2]);
  const c = await train(s.model, one, [s.targets[0]], [3], [2]);
  assert.is(maxDiff(a.samples, b.samples), 0);
  assert.ok(maxDiff(a.samples, c.samples) > 1e-3);
  assert.equal(Array.from(a.noisePred), Array.from(c.noisePred), 'the noise baseline has its own seed');
});

test('bad options are user errors', async () => {
  const s = await setup();
  let err: Error & { code?: string } | undefined;
  try {
    await train(s.model, s.images.slice(0, PER), [s.targets[0]], [1], [2], { ...OPTS, epochs: 0 });
  } catch (e) {
    err = e as Error;
  }
  assert.ok(err && err.code === 'E_FASS_USER' && err.message.includes('epochs'), String(err?.message));
});

test('noise eps "match": per image, the eps whose noise is as far from x as its accepted samples', async () => {
  const s = await setup();
  const k = 2, n = OPTS.samples!;
  const i64 = (a: number[]) => tensor(BigInt64Array.from(a, BigInt), [k]);
  const r = await native().trainOsrGans(s.model.handle, tensor(s.images.slice(0, k * PER), [k, 1, 28, 28]), i64(s.targets.slice(0, k)), i64(s.seeds.slice(0, k)), i64(s.noise.slice(0, k)), { ...OPTS, noiseEps: -1 });
  const dist = r.sampleDist.toTypedArray() as Float32Array, acc = r.accepted.toTypedArray() as Uint8Array;
  const eps = r.noiseEps.toTypedArray() as Float32Array;
  for (let i = 0; i < k; i++) {
    let sum = 0, m = 0, all = 0;
    for (let j = i * n; j < (i + 1) * n; j++) { all += dist[j]; if (acc[j]) { sum += dist[j]; m++; } }
    const d = m ? sum / m : all / n;
    const want = d / Math.sqrt(PER / 3);
    assert.ok(Math.abs(eps[i] - want) <= 1e-5 * want, `image ${i}: eps ${eps[i]}, expected ${want}`);
  }
  // A fixed eps is reported as given.
  const one = (v: number) => tensor(BigInt64Array.from([v], BigInt), [1]);
  const fixed = await native().trainOsrGans(s.model.handle, tensor(s.images.slice(0, PER), [1, 1, 28, 28]), one(s.targets[0]), one(s.seeds[0]), one(s.noise[0]), OPTS);
  assert.ok(Math.abs((fixed.noiseEps.toTypedArray() as Float32Array)[0] - 0.1) < 1e-7);
});

test.run();
