/**
 * fass faithfulness --model M --data D --n N --methods a,b --metrics deletion,insertion --out
 * run.duckdb: deletion and insertion AUCs (SPEC.md section 8), one row per (sample, metric,
 * method) in a DuckDB run file; rerunning the same command resumes it.
 */
import { z } from 'zod';
import { ModelRun, RunFlags } from '../config/options.js';
import { methodSpecs } from '../config/methods.js';
import { configure } from '../methods/registry.js';
import { FAITHFULNESS_METRICS, FaithfulnessOptions, parseFaithfulnessMetrics } from '../metrics/faithfulness.js';
import { FaithfulnessBatch, runFaithfulness } from '../pipeline/faithfulness.js';
import { defineCommand, openRun, sayProfile } from './common.js';
import { printScores } from './scores.js';
import { progress } from './progress.js';

const Args = ModelRun.extend(FaithfulnessOptions.shape).extend({
  model: ModelRun.shape.model.describe('TorchScript (.pt) model'),
  metrics: z.string().default(FAITHFULNESS_METRICS.join(',')).describe(`comma-separated: ${FAITHFULNESS_METRICS.join(', ')}`),
  ...RunFlags,
  batchSize: FaithfulnessBatch,
});

export const { command, describe, builder, handler } = defineCommand({
  command: 'faithfulness',
  describe: 'faithfulness of attributions: deletion and insertion AUCs; resumable',
  args: Args,
  body: async (a, out, argv) => {
    const metrics = parseFaithfulnessMetrics(a.metrics);
    const configured = methodSpecs(argv.methods).map(configure);
    const options = { reduce: a.reduce, step: a.step, blurSigma: a.blurSigma, blurKernel: a.blurKernel };
    const { data, model, methods } = await openRun(out, a, configured);
    const bar = progress('faithful', a.quiet);
    const r = await runFaithfulness({
      model, data, methods, metrics, options, seed: a.seed, batchSize: a.batchSize, internalBatchSize: a.internalBatchSize, out: a.out, profile: a.profile,
      onBatch: (p) => bar.update(p.done, p.total, `${p.rows} rows`),
    }).finally(() => bar.stop());
    sayProfile(out, r);
    await printScores(out, a.out, a.seed, r);
  },
});
