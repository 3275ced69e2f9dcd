/**
 * OSR, output-similarity robustness (SPEC.md section 7). For each image x with y = argmax f(x), a
 * GAN trained on copies of x alone (its generator pushed to keep f_y and the class) produces N
 * neighbours; those in S(x) = { x' : argmax f(x') = y, |f_y(x) - f_y(x')| <= delta } are kept, and
 * OSR(x) = mean over kept x' of ||g(x) - g(x')||_2 for an attribution method g (also divided by
 * ||g(x)||). Lower is more robust. The uniform-noise baseline x + U(-eps, eps) with the same count
 * shows how often plain noise neighbours leave S(x).
 *
 * The GANs of a batch of K images train at once as one batched model in the native engine
 * (native/osr/); each image's draws come from its own seed, so results do not depend on K.
 */
import { z } from 'zod';
import { parseWith } from '../config/validate.js';
import { UserError } from '../errors.js';
import type { ConfiguredMethod } from '../methods/registry.js';
import { deriveSeed, seedsFor } from '../methods/seeds.js';
import type { RunContext } from '../methods/types.js';
import type { Model } from '../models/model.js';
import { TorchModel, fromNative } from '../models/torch-model.js';
import { native, readTensor, tensor, type NativeOsrOptions, type Tensor } from '../native.js';

/** SPEC.md section 7's parameters (defaults as written there; noise eps is ours: docs/decisions.md). */
export const OsrOptions = z.object({
  delta: z.number().min(0, 'must be >= 0 (logits)').default(5).describe('S(x): same prediction and |f_y(x) - f_y(x\')| <= delta'),
  ganEpochs: z.number().int().min(1, 'must be an integer >= 1').default(5).describe('epochs over the copies of x'),
  ganCopies: z.number().int().min(1, 'must be an integer >= 1').default(1500).describe('copies of x per epoch (real data)'),
  ganSamples: z.number().int().min(1, 'must be an integer >= 1').default(100).describe('samples drawn per image after training (N)'),
  ganBatch: z.number().int().min(1).default(64),
  ganLr: z.number().positive().default(2e-4),
  lambdaY: z.number().min(0).default(1),
  lambdaCe: z.number().min(0).default(1),
  noiseEps: z.union([z.literal('match'), z.coerce.number().min(0, 'must be >= 0 (pixel space), or match')]).default('match')
    .describe('uniform-noise baseline x + U(-eps, eps), pixel space; match: per image, as far from x as its accepted GAN samples'),
  /** Hidden widths (SPEC: 256,512,1024,1024,512 and 512,256,64); smaller ones for quick experiments. */
  generatorWidths: z.array(z.number().int().min(1)).min(1).default([256, 512, 1024, 1024, 512]),
  discriminatorWidths: z.array(z.number().int().min(1)).min(1).default([512, 256, 64]),
}).strict();
export type OsrConfig = z.infer<typeof OsrOptions>;

export function osrConfig(partial: Partial<OsrConfig> = {}): OsrConfig {
  return parseWith(OsrOptions, partial, 'OSR options', 'option');
}

/** Everything OSR knows about one image once its GAN has run (method-independent). */
export interface Neighbours {
  target: number;
  generated: number;
  accepted: number;
  acceptanceRate: number;
  /** Fraction of GAN samples whose argmax differs from y. */
  ganChanged: number;
  /** Fraction of uniform-noise neighbours whose argmax differs from y, and that are outside S(x). */
  noiseChanged: number;
  noiseOutside: number;
  /** Mean ||x' - x||_2 over the accepted GAN samples (null when none) and over the noise neighbours. */
  ganDistance: number | null;
  noiseDistance: number;
  cleanLogit: number;
  dLoss: number;
  gLoss: number;
  /** The accepted samples, (accepted, C, H, W). */
  samples: Float32Array;
  /** Set when the GAN's output cannot be used (non-finite losses or samples). */
  failure?: string;
}

export interface OsrBatch {
  data: Float32Array;
  shape: [number, number, number, number];
  targets: Int32Array;
  ids: string[];
}

/** One image's OSR for one method; osr null with a reason when it has none. */
export interface OsrScore { osr: number | null; osrNormalised: number | null; n: number; reason: string | null }

/** Rows of the method's maps are scored in calls of at most this many images. */
const MAX_ROWS_PER_CALL = 1024;

/** OSR's scores and their direction: distances, so lower is more robust. */
export const OSR_METRICS = {
  osr: { higherIsBetter: false, describe: 'mean ||g(x) - g(x\')|| over the GAN neighbours in S(x)' },
  osr_normalised: { higherIsBetter: false, describe: 'osr / ||g(x)||' },
} as const;

export class OsrMetric {
  constructor(readonly config: OsrConfig, readonly seed: number) {}

  nativeOptions(threads?: number): NativeOsrOptions {
    const c = this.config;
    return {
      generatorWidths: c.generatorWidths, discriminatorWidths: c.discriminatorWidths, copies: c.ganCopies, epochs: c.ganEpochs,
      batch: c.ganBatch, lr: c.ganLr, lambdaY: c.lambdaY, lambdaCe: c.lambdaCe, delta: c.delta, samples: c.ganSamples,
      noiseEps: c.noiseEps === 'match' ? -1 : c.noiseEps, threads,
    };
  }

  /** Trains the batch's K GANs at once and judges their samples and the noise baseline. */
  async neighbours(model: Model, b: OsrBatch, onStep?: (step: number, total: number) => void): Promise<Neighbours[]> {
    const torch = requireTorchForOsr(model);
    const [k, c, h, w] = b.shape, per = c * h * w, n = this.config.ganSamples;
    const x = tensor(b.data, b.shape);
    const t = tensor(BigInt64Array.from(b.targets, BigInt), [k]);
    const s = tensor(BigInt64Array.from(b.ids, (id) => BigInt(deriveSeed(this.seed, id, 'osr', 'gan'))), [k]);
    const ns = tensor(BigInt64Array.from(b.ids, (id) => BigInt(deriveSeed(this.seed, id, 'osr', 'noise'))), [k]);
    let r;
    try {
      r = await native().trainOsrGans(torch.handle, x, t, s, ns, this.nativeOptions(torch.threads), onStep);
    } catch (e) {
      throw fromNative(e);
    } finally {
      x.dispose(); t.dispose(); s.dispose(); ns.dispose();
    }
    const read = <T>(tt: Tensor) => { const a = readTensor(tt) as T; tt.dispose(); return a; };
    const samples = read<Float32Array>(r.samples);
    const samplePred = read<BigInt64Array>(r.samplePred), noisePred = read<BigInt64Array>(r.noisePred);
    const accepted = read<Uint8Array>(r.accepted), noiseShift = read<Float32Array>(r.noiseShift);
    const sampleDist = read<Float32Array>(r.sampleDist), noiseDist = read<Float32Array>(r.noiseDist);
    const cleanLogit = read<Float32Array>(r.cleanLogit), dLoss = read<Float32Array>(r.dLoss), gLoss = read<Float32Array>(r.gLoss);
    read(r.sampleShift);
    read(r.noiseEps);
    return Array.from({ length: k }, (_, i) => {
      const y = BigInt(b.targets[i]);
      let acc = 0, ganChanged = 0, noiseChanged = 0, noiseOutside = 0, gd = 0, nd = 0;
      const keep: number[] = [];
      let finite = true;
      for (let j = i * n; j < (i + 1) * n; j++) {
        if (accepted[j]) { acc++; gd += sampleDist[j]; keep.push(j); }
        if (samplePred[j] !== y) ganChanged++;
        const changed = noisePred[j] !== y;
        if (changed) noiseChanged++;
        if (changed || !(Math.abs(noiseShift[j]) <= this.config.delta)) noiseOutside++;
        nd += noiseDist[j];
        if (!Number.isFinite(sampleDist[j])) finite = false;
      }
      const kept = new Float32Array(keep.length * per);
      keep.forEach((j, q) => kept.set(samples.subarray(j * per, (j + 1) * per), q * per));
      const out: Neighbours = {
        target: b.targets[i], generated: n, accepted: acc, acceptanceRate: acc / n, ganChanged: ganChanged / n,
        noiseChanged: noiseChanged / n, noiseOutside: noiseOutside / n, ganDistance: acc ? gd / acc : null, noiseDistance: nd / n,
        cleanLogit: cleanLogit[i], dLoss: dLoss[i], gLoss: gLoss[i], samples: kept,
      };
      if (!finite || !Number.isFinite(dLoss[i]) || !Number.isFinite(gLoss[i])) out.failure = 'the GAN diverged (non-finite losses or samples)';
      return out;
    });
  }

  /**
   * OSR of one method for each image of the batch: g(x) once per image, g(x') for its accepted
   * samples with the same target and the same seed (common random numbers, as in `fass stability`).
   */
  async score(model: Model, m: ConfiguredMethod, b: OsrBatch, nb: Neighbours[], ctx: RunContext): Promise<OsrScore[]> {
    const [k, c, h, w] = b.shape, per = c * h * w;
    const cleanSeeds = seedsFor(this.seed, b.ids, 'none', m.method.name);
    const clean = await m.method.run(model, { data: b.data, shape: b.shape, targets: b.targets, seeds: cleanSeeds }, m.params, ctx);
    const mapPer = clean.maps.length / k;
    // Every accepted sample of the batch, image by image, in calls of bounded size.
    const owner: number[] = [];
    nb.forEach((v, i) => { if (!v.failure) for (let q = 0; q < v.accepted; q++) owner.push(i); });
    const maps = new Float32Array(owner.length * mapPer);
    const offset = nb.map(() => 0);
    let row = 0;
    for (let s = 0; s < owner.length; s += MAX_ROWS_PER_CALL) {
      const rows = owner.slice(s, s + MAX_ROWS_PER_CALL);
      const data = new Float32Array(rows.length * per);
      rows.forEach((i, q) => { data.set(nb[i].samples.subarray(offset[i] * per, (offset[i] + 1) * per), q * per); offset[i]++; });
      const r = await m.method.run(model, {
        data, shape: [rows.length, c, h, w], targets: Int32Array.from(rows, (i) => b.targets[i]), seeds: Uint32Array.from(rows, (i) => cleanSeeds[i]),
      }, m.params, ctx);
      maps.set(r.maps, row * mapPer);
      row += rows.length;
    }
    let start = 0;
    return nb.map((v, i) => {
      if (v.failure) return { osr: null, osrNormalised: null, n: 0, reason: v.failure };
      const g = clean.maps.subarray(i * mapPer, (i + 1) * mapPer);
      const mine = maps.subarray(start * mapPer, (start + v.accepted) * mapPer);
      start += v.accepted;
      return osrOf(g, mine, v.accepted, v.generated);
    });
  }
}

/** OSR of one image from its map g and the maps of its accepted neighbours (count rows). */
export function osrOf(g: Float32Array, neighbours: Float32Array, count: number, generated: number): OsrScore {
  if (count === 0) return { osr: null, osrNormalised: null, n: 0, reason: `no GAN sample accepted (0 of ${generated} in S(x))` };
  if (!g.every(Number.isFinite)) return { osr: null, osrNormalised: null, n: count, reason: 'the map of x has NaN or infinite values' };
  const per = g.length;
  let norm = 0;
  for (const v of g) norm += v * v;
  norm = Math.sqrt(norm);
  let sum = 0;
  for (let q = 0; q < count; q++) {
    let d = 0;
    for (let p = 0; p < per; p++) { const e = g[p] - neighbours[q * per + p]; d += e * e; }
    if (!Number.isFinite(d)) return { osr: null, osrNormalised: null, n: count, reason: 'a neighbour\'s map has NaN or infinite values' };
    sum += Math.sqrt(d);
  }
  const osr = sum / count;
  return norm > 0
    ? { osr, osrNormalised: osr / norm, n: count, reason: null }
    : { osr, osrNormalised: null, n: count, reason: '||g(x)|| = 0: no normalised OSR' };
}

export function requireTorchForOsr(model: Model): TorchModel {
  if (model instanceof TorchModel) return model;
  throw new UserError(
    `OSR trains a GAN through the classifier's gradients, which only TorchScript models give; ${model.path} is an ${model.kind} model`,
    'use the TorchScript (.pt) export of the model',
  );
}
