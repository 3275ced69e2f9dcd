/**
 * fass osr --model M --data D --n N --methods ... --delta 5 --out run.duckdb: output-similarity
 * robustness (SPEC.md section 7), resumable like `fass stability` (rerun the same command),
 * shardable (--shard k/N, then fass merge), with a summary at the end (--json: the whole summary).
 */
import type { Argv } from 'yargs';
import { z } from 'zod';
import { Common, DataOptions, Normalisation, validate } from '../config/options.js';
import { methodSpecs } from '../config/methods.js';
import { UserError } from '../errors.js';
import { configure, methodNames } from '../methods/registry.js';
import { loadModel } from '../models/load.js';
import { osrConfig } from '../metrics/osr.js';
import { runOsr } from '../pipeline/osr.js';
import { summariseOsr } from '../store/osr-aggregate.js';
import { commonOptions, dataOptions, normalisationOptions, openData, prepare, run } from './common.js';
import { table } from './output.js';
import { progress } from './progress.js';
import { parseShard } from '../pipeline/runner.js';
import { withRun } from '../store/run-file.js';

const widths = z.union([z.string(), z.array(z.number())]).optional();

const Args = Common.extend(DataOptions.shape).extend(Normalisation.shape).extend({
  model: z.string().min(1),
  out: z.string().min(1),
  delta: z.number().min(0, 'must be >= 0 (logits)').default(5),
  ganEpochs: z.number().int().min(1, 'must be an integer >= 1').default(5),
  ganSamples: z.number().int().min(1, 'must be an integer >= 1').default(100),
  ganCopies: z.number().int().min(1, 'must be an integer >= 1').default(1500),
  noiseEps: z.union([z.literal('match'), z.coerce.number().min(0, 'must be >= 0 (pixel space), or match')]).default('match'),
  ganWidths: widths,
  discWidths: widths,
  k: z.number().int().min(1, 'must be an integer >= 1').default(16),
  shard: z.string().regex(/^\d+\/\d+$/, 'must be k/N, e.g. 2/8').optional(),
  internalBatchSize: z.number().int().min(1).optional(),
});

function parseWidths(v: string | number[] | undefined, flag: string): number[] | undefined {
  if (v === undefined) return undefined;
  const a = Array.isArray(v) ? v : String(v).split(',').map((s) => Number(s.trim()));
  if (!a.length || !a.every((x) => Number.isInteger(x) && x >= 1)) {
    throw new UserError(`${flag} ${JSON.stringify(v)}: expected a comma-separated list of integers >= 1`);
  }
  return a;
}

export const command = 'osr';
export const describe = 'output-similarity robustness: per-image GANs (K at once) make neighbours in S(x); OSR per method';

export function builder(y: Argv) {
  return normalisationOptions(dataOptions(commonOptions(y)))
    .option('model', { type: 'string', demandOption: true, describe: 'TorchScript (.pt) model (the GAN trains through its gradients)' })
    .option('methods', { describe: `comma-separated methods (${methodNames().join(', ')}); with parameters: a methods list in --config` })
    .option('out', { type: 'string', demandOption: true, describe: 'run file (DuckDB); rerunning the same command resumes it' })
    .option('delta', { type: 'number', default: 5, describe: 'S(x): same prediction and |f_y(x) - f_y(x\')| <= delta' })
    .option('gan-epochs', { type: 'number', default: 5, describe: 'epochs over the copies of x' })
    .option('gan-samples', { type: 'number', default: 100, describe: 'samples drawn per image after training (N)' })
    .option('gan-copies', { type: 'number', default: 1500, describe: 'copies of x per epoch (real data)' })
    .option('noise-eps', { type: 'string', default: 'match', describe: 'uniform-noise baseline x + U(-eps, eps), pixel space; match (default): per image, as far from x as its accepted GAN samples' })
    .option('gan-widths', { type: 'string', describe: 'generator hidden widths (default 256,512,1024,1024,512); smaller for quick looks' })
    .option('disc-widths', { type: 'string', describe: 'discriminator hidden widths (default 512,256,64)' })
    .option('k', { type: 'number', default: 16, describe: 'GANs trained at once (images per batch); results do not depend on it' })
    .option('shard', { type: 'string', describe: 'k/N: run the k-th of N disjoint slices (then fass merge)' })
    .option('internal-batch-size', { type: 'number' })
    .demandOption('data');
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  await run(Boolean(argv.json), async (out) => {
    const a = validate(Args, argv);
    const ganWidths = parseWidths(a.ganWidths, '--gan-widths');
    const discWidths = parseWidths(a.discWidths, '--disc-widths');
    const options = osrConfig({
      delta: a.delta, ganEpochs: a.ganEpochs, ganSamples: a.ganSamples, ganCopies: a.ganCopies, noiseEps: a.noiseEps,
      ...(ganWidths ? { generatorWidths: ganWidths } : {}), ...(discWidths ? { discriminatorWidths: discWidths } : {}),
    });
    const configured = methodSpecs(argv.methods).map(configure);
    const shard = parseShard(a.shard);
    const data = await openData(a);
    const model = await loadModel(a.model, { device: a.device, threads: a.threads, mean: a.mean, std: a.std, memoryBudget: a.memoryBudget });
    const methods = await prepare(out, model, data, configured);
    const bar = progress('osr', a.quiet);
    const started = Date.now();
    const r = await runOsr({
      model, data, methods, options, seed: a.seed, batchSize: a.k, internalBatchSize: a.internalBatchSize, shard, out: a.out,
      onBatch: (p) => bar.update(p.done, p.total, p.note ?? `${((Date.now() - started) / 1000 / Math.max(1, p.done)).toFixed(1)} s/image`),
    }).finally(() => bar.stop());
    const summary = await withRun(a.out, (f) => summariseOsr(f, a.seed));
    const f3 = (v: number | null) => (v === null ? '-' : v.toFixed(3));
    const im = summary.images;
    out.say([
      `run       ${a.out}${r.resumedFrom ? ` (resumed after ${r.resumedFrom} samples)` : ''}`,
      `samples   ${r.samples} this time; rows ${r.rows}: ${r.kept} scored, ${r.errors} errors; ${r.seconds.toFixed(1)} s (${(r.seconds / Math.max(1, r.samples)).toFixed(2)} s/image)`,
      `neighbours over ${im.n} images: GAN acceptance ${f3(im.acceptance_rate.mean)} (GAN samples with another prediction ${f3(im.gan_changed.mean)}; ${im.none_accepted} images with none accepted); uniform noise eps ${options.noiseEps}: prediction changed ${f3(im.noise_changed.mean)}, outside S(x) ${f3(im.noise_outside.mean)}`,
      '',
      table(['rank', 'method', 'OSR', '95% CI', 'OSR/||g(x)||', 'n', 'errors'], summary.methods.map((m) => [
        m.rank, m.method, f3(m.osr.mean), m.osr.ci_low === null ? '-' : `${f3(m.osr.ci_low)}..${f3(m.osr.ci_high)}`, f3(m.osr_normalised.mean), m.n_kept, m.n_errors,
      ])),
    ].join('\n'));
    out.result({ run: r, summary });
  });
}
