/**
 * `fass sanity`: model-parameter randomisation (Adebayo et al. 2018, "Sanity checks for saliency
 * maps"), as Quantus's ModelParameterRandomisation does it with layer_order "top_down": the
 * resettable layers (native/randomise.h) are re-initialised cumulatively from the output layer to
 * the input, and after each step every method's map of the randomised model is compared with its
 * map of the trained one, explaining the same class (the trained model's prediction) with the same
 * draws. Spearman of absolute values is Quantus's default; SSIM and top-k Jaccard come from the
 * same similarity code as stability. A low similarity once the model is randomised means the map
 * depends on what the model learned; `input` stays at 1 whatever the weights.
 *
 * One run kind of the runner: resumable and shardable. Each batch restores the trained weights
 * into a copy of the model and walks the cascade again, so every sample sees the same randomised
 * weights whatever its batch (each layer's draws come from the run seed and the layer's name).
 */
import { deriveSeed, seedsFor } from '../methods/seeds.js';
import type { Attribution, RunContext } from '../methods/types.js';
import { parseMetrics, similarity, type Reduction } from '../metrics/similarity.js';
import { TorchModel } from '../models/torch-model.js';
import { batchSizeOption } from '../config/options.js';
import { writeSanityReport } from '../report/html.js';
import { summariseSanity } from '../store/sanity-aggregate.js';
import type { ResultRows, SanityRow } from '../store/schema.js';
import { baseConfig, runKind, type CleanBatch, type RunBase, type RunKind, type RunResult, type SampleRef, type Tick } from './runner.js';
import { UserError } from '../errors.js';

export interface SanitySpec extends RunBase {
  /** Channel reduction before the maps are compared (SPEC.md section 1). */
  reduce: Reduction;
}

/** Images per batch of a sanity run. */
export const SanityBatch = batchSizeOption(16);

/** The comparisons of each randomised map with the trained one: Quantus's Spearman of absolute values first. */
export const SANITY_METRICS = parseMetrics([{ name: 'spearman', abs: true }, 'ssim', 'topk_jaccard']);

/** The cascade: the resettable layers from the output to the input (Quantus's top_down). */
export function cascade(model: TorchModel): { name: string; kind: string }[] {
  return model.handle.resettableLayers().reverse();
}

export function sanityConfig(s: SanitySpec): Record<string, unknown> {
  return {
    command: 'sanity', ...baseConfig(s), reduce: s.reduce, order: 'top_down', layers: cascade(torchOf(s)).map((l) => l.name),
    metrics: SANITY_METRICS.map((m) => ({ key: m.key, ...m.params })), shard: s.shard ? `${s.shard.k}/${s.shard.n}` : null,
  };
}

/** The randomised copy of each run's model, made at its first batch. */
const copies = new WeakMap<SanitySpec, Promise<TorchModel>>();

export const sanityKind: RunKind<SanitySpec> = {
  command: 'sanity',
  tables: ['sanity'],
  config: sanityConfig,
  summarise: (f, c) => summariseSanity(f, Number(c.seed ?? 0)),
  report: async (f, c, path) => writeSanityReport(f, await summariseSanity(f, Number(c.seed ?? 0)), path),
  failed: (s, ref, reason) => ({ sanity: cascade(torchOf(s)).flatMap((l, step) => s.methods.map((m) => row(ref, m.method.name, step, l.name, { status: 'error', reason }))) }),
  score: scoreBatch,
  finish: async (s) => { (await copies.get(s))?.dispose(); copies.delete(s); },
};

export async function runSanity(s: SanitySpec): Promise<RunResult> {
  const model = torchOf(s);
  if (cascade(model).length === 0) throw new UserError(`${model.path}: no layer model randomisation can reset (convolutions, linear layers, norms)`);
  return runKind(sanityKind, s);
}

function torchOf(s: SanitySpec): TorchModel {
  if (s.model instanceof TorchModel) return s.model;
  throw new UserError(`model randomisation re-initialises the model's layers, which needs a TorchScript model; ${s.model.path} is an ${s.model.kind} model`);
}

function row(ref: SampleRef, method: string, step: number, layer: string, rest: Partial<SanityRow>): SanityRow {
  return {
    sample_index: ref.index, sample_id: ref.id, method, step, layer, status: 'kept', spearman_abs: null, ssim: null, topk_jaccard: null, reason: null, ...rest,
  };
}

async function scoreBatch(s: SanitySpec, b: CleanBatch, ctx: RunContext, tick: Tick): Promise<ResultRows> {
  const trained = torchOf(s);
  let copy = copies.get(s);
  if (!copy) { copy = trained.copy(); copies.set(s, copy); }
  const randomised = await copy;
  randomised.handle.copyParametersFrom(trained.handle);
  const input = (name: string) => ({ data: b.data, shape: b.shape, targets: b.targets, seeds: seedsFor(s.seed, b.ids, 'none', name) });
  const clean: Attribution[] = [];
  for (const m of s.methods) clean.push(await m.method.run(trained, input(m.method.name), m.params, ctx));
  const rows: SanityRow[] = [];
  const layers = cascade(trained);
  for (const [step, layer] of layers.entries()) {
    randomised.handle.resetLayer(layer.name, deriveSeed(s.seed, 'sanity', layer.name, 'reset'));
    for (const [k, m] of s.methods.entries()) {
      const maps = await m.method.run(randomised, input(m.method.name), m.params, ctx);
      const r = await similarity({ data: clean[k].maps, shape: clean[k].shape }, { data: maps.maps, shape: maps.shape }, { metrics: SANITY_METRICS, reduce: s.reduce });
      b.ids.forEach((id, i) => {
        const reasons = SANITY_METRICS.map((x) => r[x.key].reasons[i] && `${x.key}: ${r[x.key].reasons[i]}`).filter(Boolean);
        rows.push(row({ id, index: b.indices[i], label: null }, m.method.name, step, layer.name, {
          spearman_abs: r.spearman_abs.scores[i], ssim: r.ssim.scores[i], topk_jaccard: r.topk_jaccard.scores[i], reason: reasons.length ? reasons.join('; ') : null,
        }));
      });
    }
    tick((step + 1) / layers.length, `layer ${step + 1}/${layers.length}: ${layer.name}`);
  }
  return { sanity: rows };
}

