/**
 * fass osr --model M --data D --n N --methods ... --delta 5 --out run.duckdb: output-similarity
 * robustness (SPEC.md section 7), resumable like `fass stability` (rerun the same command),
 * shardable (--shard k/N, then fass merge), with a summary at the end (--json: the whole summary).
 */
import { z } from 'zod';
import { ModelRun, RunFlags, Shard } from '../config/options.js';
import { methodSpecs } from '../config/methods.js';
import { UserError } from '../errors.js';
import { configure } from '../methods/registry.js';
import { osrConfig, OsrOptions } from '../metrics/osr.js';
import { OsrK, runOsr } from '../pipeline/osr.js';
import { summariseOsr } from '../store/osr-aggregate.js';
import { defineCommand, openRun, sayProfile } from './common.js';
import { table } from './output.js';
import { progress } from './progress.js';
import { parseShard } from '../pipeline/runner.js';
import { withRun } from '../store/run-file.js';

const defaults = osrConfig();
const widths = (what: string, d: number[]) => z.union([z.string(), z.array(z.number())]).optional().describe(`${what} hidden widths (default ${d.join(',')}); smaller for quick looks`);

/** The OSR options a command line sets: SPEC.md's; the rest keep OsrOptions' defaults. */
export const OsrFlags = OsrOptions.pick({ delta: true, ganEpochs: true, ganSamples: true, ganCopies: true, noiseEps: true }).shape;

const Args = ModelRun.extend(OsrFlags).extend({
  model: ModelRun.shape.model.describe('TorchScript (.pt) model (the GAN trains through its gradients)'),
  ganWidths: widths('generator', defaults.generatorWidths),
  discWidths: widths('discriminator', defaults.discriminatorWidths),
  k: OsrK,
  ...RunFlags,
  shard: Shard,
});

function parseWidths(v: string | number[] | undefined, flag: string): number[] | undefined {
  if (v === undefined) return undefined;
  const a = Array.isArray(v) ? v : String(v).split(',').map((s) => Number(s.trim()));
  if (!a.length || !a.every((x) => Number.isInteger(x) && x >= 1)) {
    throw new UserError(`${flag} ${JSON.stringify(v)}: expected a comma-separated list of integers >= 1`);
  }
  return a;
}

export const { command, describe, builder, handler } = defineCommand({
  command: 'osr',
  describe: 'output-similarity robustness: per-image GANs (K at once) make neighbours in S(x); OSR per method',
  args: Args,
  body: async (a, out, argv) => {
    const ganWidths = parseWidths(a.ganWidths, '--gan-widths');
    const discWidths = parseWidths(a.discWidths, '--disc-widths');
    const options = osrConfig({
      delta: a.delta, ganEpochs: a.ganEpochs, ganSamples: a.ganSamples, ganCopies: a.ganCopies, noiseEps: a.noiseEps,
      ...(ganWidths ? { generatorWidths: ganWidths } : {}), ...(discWidths ? { discriminatorWidths: discWidths } : {}),
    });
    const configured = methodSpecs(argv.methods).map(configure);
    const shard = parseShard(a.shard);
    const { data, model, methods } = await openRun(out, a, configured);
    const bar = progress('osr', a.quiet);
    const started = Date.now();
    const r = await runOsr({
      model, data, methods, options, seed: a.seed, batchSize: a.k, internalBatchSize: a.internalBatchSize, shard, out: a.out, profile: a.profile,
      onBatch: (p) => bar.update(p.done, p.total, p.note ?? `${((Date.now() - started) / 1000 / Math.max(1, p.done)).toFixed(1)} s/image`),
    }).finally(() => bar.stop());
    sayProfile(out, r);
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
  },
});
