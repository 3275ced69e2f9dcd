/**
 * fass faithfulness --model M --data D --n N --methods a,b --metrics deletion,insertion --out
 * run.duckdb: deletion and insertion AUCs (SPEC.md section 8), one row per (sample, metric,
 * method) in a DuckDB run file; rerunning the same command resumes it.
 */
import type { Argv } from 'yargs';
import { z } from 'zod';
import { Common, DataOptions, Normalisation, validate } from '../config/options.js';
import { methodSpecs } from '../config/methods.js';
import { configure, methodNames } from '../methods/registry.js';
import { loadModel } from '../models/load.js';
import { FAITHFULNESS_METRICS, FaithfulnessOptions, parseFaithfulnessMetrics } from '../metrics/faithfulness.js';
import { REDUCTIONS } from '../metrics/similarity.js';
import { runFaithfulness } from '../pipeline/faithfulness.js';
import { commonOptions, dataOptions, normalisationOptions, openData, prepare, run } from './common.js';
import { printScores } from './scores.js';
import { progress } from './progress.js';

const Args = Common.extend(DataOptions.shape).extend(Normalisation.shape).extend({
  model: z.string().min(1),
  out: z.string().min(1),
  metrics: z.string().default(FAITHFULNESS_METRICS.join(',')),
  reduce: z.enum(REDUCTIONS).default('sum'),
  step: z.number().int().min(1, 'must be an integer >= 1').optional(),
  blurSigma: z.number().positive('must be > 0').default(5),
  blurKernel: z.number().int().min(1, 'must be an integer >= 1').default(11),
  batchSize: z.number().int().min(1, 'must be an integer >= 1').default(32),
  internalBatchSize: z.number().int().min(1).optional(),
});

export const command = 'faithfulness';
export const describe = 'faithfulness of attributions: deletion and insertion AUCs; resumable';

export function builder(y: Argv) {
  return normalisationOptions(dataOptions(commonOptions(y)))
    .option('model', { type: 'string', demandOption: true, describe: 'TorchScript (.pt) model' })
    .option('methods', { describe: `comma-separated methods (${methodNames().join(', ')}); with parameters: a methods list in --config` })
    .option('metrics', { type: 'string', default: FAITHFULNESS_METRICS.join(','), describe: `comma-separated: ${FAITHFULNESS_METRICS.join(', ')}` })
    .option('reduce', { type: 'string', choices: REDUCTIONS.filter((r) => r !== 'none'), default: 'sum', describe: 'channel reduction that orders the pixels' })
    .option('step', { type: 'number', describe: 'pixels per step (default: the image height, one row\'s worth)' })
    .option('blur-sigma', { type: 'number', default: 5, describe: 'insertion\'s blurred start image: Gaussian sigma' })
    .option('blur-kernel', { type: 'number', default: 11, describe: 'insertion\'s blurred start image: kernel size' })
    .option('out', { type: 'string', demandOption: true, describe: 'run file (DuckDB); rerunning the same command resumes it' })
    .option('batch-size', { type: 'number', default: 32 })
    .option('internal-batch-size', { type: 'number' })
    .demandOption('data');
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  await run(Boolean(argv.json), async (out) => {
    const a = validate(Args, argv);
    const metrics = parseFaithfulnessMetrics(a.metrics);
    const configured = methodSpecs(argv.methods).map(configure);
    const options = validate(FaithfulnessOptions, { reduce: a.reduce, step: a.step, blurSigma: a.blurSigma, blurKernel: a.blurKernel });
    const data = await openData(a);
    const model = await loadModel(a.model, { device: a.device, threads: a.threads, mean: a.mean, std: a.std, memoryBudget: a.memoryBudget });
    const methods = await prepare(out, model, data, configured);
    const bar = progress('faithful', a.quiet);
    const r = await runFaithfulness({
      model, data, methods, metrics, options, seed: a.seed, batchSize: a.batchSize, internalBatchSize: a.internalBatchSize, out: a.out,
      onBatch: (p) => bar.update(p.done, p.total, `${p.rows} rows`),
    }).finally(() => bar.stop());
    await printScores(out, a.out, a.seed, r);
  });
}
