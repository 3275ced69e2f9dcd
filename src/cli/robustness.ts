/**
 * fass robustness --model M --data D --n N --methods a,b --metrics ... --out run.duckdb: how much
 * attributions move under small input noise (SPEC.md section 6), one row per (sample, metric,
 * method) in a DuckDB run file; rerunning the same command resumes it.
 */
import type { Argv } from 'yargs';
import { z } from 'zod';
import { Common, DataOptions, Normalisation, validate } from '../config/options.js';
import { methodSpecs } from '../config/methods.js';
import { configure, methodNames } from '../methods/registry.js';
import { loadModel } from '../models/load.js';
import { parseRobustnessMetrics, ROBUSTNESS_METRICS, RobustnessOptions } from '../metrics/robustness.js';
import { REDUCTIONS } from '../metrics/similarity.js';
import { runRobustness } from '../pipeline/robustness.js';
import { commonOptions, dataOptions, normalisationOptions, openData, prepare, run } from './common.js';
import { printScores } from './scores.js';
import { progress } from './progress.js';

const Args = Common.extend(DataOptions.shape).extend(Normalisation.shape).extend({
  model: z.string().min(1),
  out: z.string().min(1),
  metrics: z.string().default(ROBUSTNESS_METRICS.join(',')),
  samples: z.number().int().min(1, 'must be an integer >= 1').default(16),
  radius: z.number().positive('must be > 0').default(0.02),
  lipschitzSigma: z.number().positive('must be > 0').default(0.1),
  reduce: z.enum(REDUCTIONS).default('sum'),
  batchSize: z.number().int().min(1, 'must be an integer >= 1').default(16),
  internalBatchSize: z.number().int().min(1).optional(),
});

export const command = 'robustness';
export const describe = 'robustness of attributions to input noise: sensitivity, local Lipschitz, RIS, ROS, consistency; resumable';

export function builder(y: Argv) {
  return normalisationOptions(dataOptions(commonOptions(y)))
    .option('model', { type: 'string', demandOption: true, describe: 'TorchScript (.pt) or ONNX (.onnx) model' })
    .option('methods', { describe: `comma-separated methods (${methodNames().join(', ')}); with parameters: a methods list in --config` })
    .option('metrics', { type: 'string', default: ROBUSTNESS_METRICS.join(','), describe: `comma-separated: ${ROBUSTNESS_METRICS.join(', ')}` })
    .option('samples', { type: 'number', default: 16, describe: 'neighbours per sample (n)' })
    .option('radius', { type: 'number', default: 0.02, describe: 'uniform noise radius in pixel space (r), for sensitivities, RIS and ROS' })
    .option('lipschitz-sigma', { type: 'number', default: 0.1, describe: 'standard deviation of local Lipschitz\'s Gaussian noise' })
    .option('reduce', { type: 'string', choices: [...REDUCTIONS], default: 'sum', describe: 'channel reduction of the maps consistency compares' })
    .option('out', { type: 'string', demandOption: true, describe: 'run file (DuckDB); rerunning the same command resumes it' })
    .option('batch-size', { type: 'number', default: 16, describe: 'images per batch (each brings --samples neighbours per noise kind)' })
    .option('internal-batch-size', { type: 'number' })
    .demandOption('data');
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  await run(Boolean(argv.json), async (out) => {
    const a = validate(Args, argv);
    const metrics = parseRobustnessMetrics(a.metrics);
    const configured = methodSpecs(argv.methods).map(configure);
    const options = validate(RobustnessOptions, { samples: a.samples, radius: a.radius, lipschitzSigma: a.lipschitzSigma });
    const data = await openData(a);
    const model = await loadModel(a.model, { device: a.device, threads: a.threads, mean: a.mean, std: a.std, memoryBudget: a.memoryBudget });
    const methods = await prepare(out, model, data, configured);
    const bar = progress('robustness', a.quiet);
    const r = await runRobustness({
      model, data, methods, metrics, options, reduce: a.reduce, seed: a.seed, batchSize: a.batchSize, internalBatchSize: a.internalBatchSize, out: a.out,
      onBatch: (p) => bar.update(p.done, p.total, `${p.kept}/${p.rows} rows kept`),
    }).finally(() => bar.stop());
    await printScores(out, a.out, a.seed, r);
  });
}
