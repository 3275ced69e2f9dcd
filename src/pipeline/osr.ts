/**
 * The OSR run (SPEC.md section 7): batches of K images; for each batch, predict the clean images,
 * train their K GANs at once (native, batched), keep the samples in S(x), attribute x and its
 * kept neighbours with every method, and score OSR. Each batch is one transaction of the run file,
 * so a stopped run resumes where it stopped; every (sample, method) ends as exactly one `osr` row.
 * Results do not depend on K, shard or resume: every draw comes from the sample's own seed.
 */
import { z } from 'zod';
import { parseWith } from '../config/validate.js';
import { Seed } from '../config/options.js';
import type { Dataset } from '../data/index.js';
import type { ConfiguredMethod } from '../methods/registry.js';
import type { RunContext } from '../methods/types.js';
import type { Model } from '../models/model.js';
import { OsrMetric, osrConfig, requireTorchForOsr, type Neighbours, type OsrConfig } from '../metrics/osr.js';
import { withRun, withRunFile } from '../store/run-file.js';
import { summariseOsr } from '../store/osr-aggregate.js';
import { writeOsrReport } from '../report/osr-html.js';
import type { OsrImageRow, OsrRow, ResultRows } from '../store/schema.js';
import { baseConfig, runKind, type CleanBatch, type RunBase, type RunKind, type RunResult, type Tick } from './runner.js';

/** K, the GANs trained at once (an OSR run's batch size): results do not depend on it. */
export const OsrK = z.number().int().min(1, 'must be an integer >= 1').default(16).describe('GANs trained at once (images per batch); results do not depend on it');

/** batchSize is K. */
export interface OsrSpec extends RunBase {
  options: OsrConfig;
}

export type OsrRunResult = RunResult;

/** What an OSR run is; resuming with any other value is refused (K and threads are not part of it). */
export function osrRunConfig(s: OsrSpec): Record<string, unknown> {
  return { command: 'osr', ...baseConfig(s), osr: { ...s.options }, shard: s.shard ? `${s.shard.k}/${s.shard.n}` : null };
}

/** The OSR run kind: one `osr_images` row per image whose GANs ran, one `osr` row per (sample, method). */
export const osrKind: RunKind<OsrSpec> = {
  command: 'osr',
  tables: ['osr', 'osr_images'],
  config: osrRunConfig,
  summarise: (f, c) => summariseOsr(f, Number(c.seed ?? 0)),
  report: async (f, c, path) => writeOsrReport(f, await summariseOsr(f, Number(c.seed ?? 0)), path),
  failed: (s, ref, reason) => ({
    osr: s.methods.map((m) => ({ sample_index: ref.index, sample_id: ref.id, method: m.method.name, status: 'error' as const, accepted: null, osr: null, osr_normalised: null, reason })),
  }),
  score: scoreBatch,
};

export async function runOsr(s: OsrSpec): Promise<OsrRunResult> {
  requireTorchForOsr(s.model);
  return runKind(osrKind, { ...s, options: osrConfig(s.options) });
}

/** The batch's K GANs at once, then every method's OSR over each image's accepted samples. */
async function scoreBatch(s: OsrSpec, b: CleanBatch, ctx: RunContext, tick: Tick): Promise<ResultRows> {
  const metric = new OsrMetric(s.options, s.seed);
  const nb: Neighbours[] = await metric.neighbours(s.model, b, (step, steps) => tick(0, `GAN step ${step}/${steps}`));
  const images: OsrImageRow[] = nb.map((v, i) => ({
    sample_index: b.indices[i], sample_id: b.ids[i], target: v.target, generated: v.generated, accepted: v.accepted, acceptance_rate: v.acceptanceRate,
    gan_changed: v.ganChanged, noise_changed: v.noiseChanged, noise_outside: v.noiseOutside, gan_distance: v.ganDistance, noise_distance: v.noiseDistance,
    clean_logit: v.cleanLogit, d_loss: v.dLoss, g_loss: v.gLoss, reason: v.failure ?? null,
  }));
  const rows: OsrRow[] = [];
  for (const m of s.methods) {
    const scores = await metric.score(s.model, m, b, nb, ctx);
    scores.forEach((sc, i) => rows.push({
      sample_index: b.indices[i], sample_id: b.ids[i], method: m.method.name, status: sc.osr === null ? 'error' : 'kept',
      accepted: nb[i].accepted, osr: sc.osr, osr_normalised: sc.osrNormalised, reason: sc.reason,
    }));
  }
  return { osr_images: images, osr: rows };
}

export interface OsrMethodScore { method: string; metric: 'osr'; mean: number | null; n: number }

/**
 * One mean OSR per method over the dataset's samples, in method order: the library entry point
 * for comparing method rankings across models (`fass compare-metrics`). Samples whose OSR is
 * undefined (no accepted GAN sample) are left out of the mean and out of n. The run file is
 * temporary unless `out` names one.
 */
export async function osrScores(
  model: Model, data: Dataset, methods: ConfiguredMethod[],
  opts: { options: OsrConfig; seed?: number; k?: number; internalBatchSize?: number; normalised?: boolean; out?: string },
): Promise<OsrMethodScore[]> {
  const seed = parseWith(Seed, opts.seed, 'seed', 'option');
  return withRunFile(opts.out, async (out) => {
    await runOsr({ model, data, methods, options: opts.options, seed, batchSize: parseWith(z.object({ k: OsrK }), { k: opts.k }, 'osrScores', 'option').k, internalBatchSize: opts.internalBatchSize, out });
    const sum = await withRun(out, (f) => summariseOsr(f, seed));
    return methods.map((m) => {
      const r = sum.methods.find((x) => x.method === m.method.name);
      const st = opts.normalised ? r?.osr_normalised : r?.osr;
      return { method: m.method.name, metric: 'osr' as const, mean: st?.mean ?? null, n: st?.n ?? 0 };
    });
  });
}
