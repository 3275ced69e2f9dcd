/**
 * fass robustness --model M --data D --n N --methods a,b --metrics ... --out run.duckdb: how much
 * attributions move under small input noise (SPEC.md section 6), one row per (sample, metric,
 * method) in a DuckDB run file; rerunning the same command resumes it.
 */
import { z } from 'zod';
import { ModelRun, RunFlags } from '../config/options.js';
import { methodSpecs } from '../config/methods.js';
import { configure } from '../methods/registry.js';
import { parseRobustnessMetrics, ROBUSTNESS_METRICS, RobustnessOptions } from '../metrics/robustness.js';
import { ReduceOption } from '../metrics/similarity.js';
import { RobustnessBatch, runRobustness } from '../pipeline/robustness.js';
import { defineCommand, openRun, sayProfile } from './common.js';
import { printScores } from './scores.js';
import { progress } from './progress.js';

const Args = ModelRun.extend(RobustnessOptions.shape).extend({
  metrics: z.string().default(ROBUSTNESS_METRICS.join(',')).describe(`comma-separated: ${ROBUSTNESS_METRICS.join(', ')}`),
  reduce: ReduceOption.describe('channel reduction of the maps consistency compares'),
  ...RunFlags,
  batchSize: RobustnessBatch,
});

export const { command, describe, builder, handler } = defineCommand({
  command: 'robustness',
  describe: 'robustness of attributions to input noise: sensitivity, local Lipschitz, RIS, ROS, consistency; resumable',
  args: Args,
  body: async (a, out, argv) => {
    const metrics = parseRobustnessMetrics(a.metrics);
    const configured = methodSpecs(argv.methods).map(configure);
    const options = { samples: a.samples, radius: a.radius, lipschitzSigma: a.lipschitzSigma };
    const { data, model, methods } = await openRun(out, a, configured);
    const bar = progress('robustness', a.quiet);
    const r = await runRobustness({
      model, data, methods, metrics, options, reduce: a.reduce, seed: a.seed, batchSize: a.batchSize, internalBatchSize: a.internalBatchSize, out: a.out, profile: a.profile,
      onBatch: (p) => bar.update(p.done, p.total, `${p.kept}/${p.rows} rows kept`),
    }).finally(() => bar.stop());
    sayProfile(out, r);
    await printScores(out, a.out, a.seed, r);
  },
});
