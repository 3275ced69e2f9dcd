/**
 * fass sanity --model M --data D --n N --methods ... --out sanity.duckdb: model-parameter
 * randomisation (Adebayo et al. 2018), top-down as Quantus does it: how far each method's maps
 * move as the model's layers are re-initialised from the output to the input. Resumable like the
 * other runs (rerun the same command), shardable (--shard k/N, then fass merge).
 */
import { ModelRun, RunFlags, Shard } from '../config/options.js';
import { methodSpecs } from '../config/methods.js';
import { configure } from '../methods/registry.js';
import { ReduceOption } from '../metrics/similarity.js';
import { parseShard } from '../pipeline/runner.js';
import { runSanity, SanityBatch } from '../pipeline/sanity.js';
import { summariseSanity } from '../store/sanity-aggregate.js';
import { withRun } from '../store/run-file.js';
import { defineCommand, openRun, sayProfile } from './common.js';
import { table } from './output.js';
import { progress } from './progress.js';

const Args = ModelRun.extend({
  model: ModelRun.shape.model.describe('TorchScript (.pt) model (its layers are re-initialised)'),
  reduce: ReduceOption.describe('channel reduction before the maps are compared'),
  ...RunFlags,
  shard: Shard,
  batchSize: SanityBatch,
});

export const { command, describe, builder, handler } = defineCommand({
  command: 'sanity',
  describe: 'model-parameter randomisation: how far each method\'s maps move as the model\'s layers are re-initialised, output to input',
  args: Args,
  body: async (a, out, argv) => {
    const configured = methodSpecs(argv.methods).map(configure);
    const shard = parseShard(a.shard);
    const { data, model, methods } = await openRun(out, { ...a, onnxForward: false }, configured);
    const bar = progress('sanity', a.quiet);
    const r = await runSanity({
      model, data, methods, reduce: a.reduce, seed: a.seed, batchSize: a.batchSize, internalBatchSize: a.internalBatchSize, shard, out: a.out, profile: a.profile,
      onBatch: (p) => bar.update(p.done, p.total, p.note ?? `${p.rows} rows`),
    }).finally(() => bar.stop());
    sayProfile(out, r);
    const s = await withRun(a.out, (f) => summariseSanity(f, a.seed));
    const f3 = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toFixed(3));
    out.say([
      `run       ${a.out}${r.resumedFrom ? ` (resumed after ${r.resumedFrom} samples)` : ''}`,
      `samples   ${r.samples} this time; rows ${r.rows}: ${r.kept} scored, ${r.errors} errors; ${r.seconds.toFixed(1)} s`,
      `cascade   ${s.layers.join(' -> ')}`,
      '',
      'similarity to the trained model\'s maps once every layer is randomised (lower: the map depends more on the trained weights)',
      table(['rank', 'method', 'Spearman |map|', 'SSIM', 'top-k Jaccard'], s.methods.map((m) => [m.rank ?? '-', m.method, f3(m.full?.spearman_abs.mean), f3(m.full?.ssim.mean), f3(m.full?.topk_jaccard.mean)])),
    ].join('\n'));
    out.result({ run: r, summary: s });
  },
});
