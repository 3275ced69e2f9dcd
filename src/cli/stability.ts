/**
 * fass stability --model M --data D --n N --methods ... --perturbations ... --out run.duckdb:
 * the FASS suite (SPEC.md sections 3-5), resumable (rerun the same command), shardable
 * (--shard k/N, then fass merge), with a summary at the end (--json: the whole summary).
 */
import { z } from 'zod';
import { ModelRun, PrecisionOption, RunFlags, Shard } from '../config/options.js';
import { methodSpecs } from '../config/methods.js';
import { presetMethods, presetValues, RUN_PRESETS } from '../config/presets.js';
import { parsePerturbations } from '../perturb/index.js';
import { hasBothLanes, parseFilter, runStability, StabilityBatch } from '../pipeline/stability.js';
import { parseShard } from '../pipeline/runner.js';
import { ControlsOption } from '../pipeline/chance.js';
import type { Summary } from '../store/aggregate.js';
import { summarise } from '../store/aggregate.js';
import { withRun } from '../store/run-file.js';
import { defineCommand, openRun, sayProfile } from './common.js';
import { table } from './output.js';
import { progress } from './progress.js';

const Args = ModelRun.extend(PrecisionOption.shape).extend({
  perturbations: z.string().optional().describe('default, fass-paper, or a list like rotate:5|10,jpeg:40,hflip,blur (default: the preset\'s)'),
  preset: z.enum(RUN_PRESETS).default('default').describe('default (SPEC.md) or fass-paper (the FASS paper\'s code)'),
  filter: z.string().default('top1').describe('top1 (keep pairs whose prediction holds), none (score all, record changes), margin:DELTA'),
  ...RunFlags,
  shard: Shard,
  batchSize: StabilityBatch,
  gallery: z.number().int().min(0).default(4).describe('samples whose images and maps the report shows'),
  controls: ControlsOption,
});

export const { command, describe, builder, handler } = defineCommand({
  command: 'stability',
  describe: 'the FASS suite: perturb, filter, attribute, align and score; resumable, shardable',
  args: Args,
  body: async (a, out, argv) => {
    const values = presetValues(a.preset);
    const configured = presetMethods(a.preset, methodSpecs(argv.methods));
    const perturbations = a.perturbations ? parsePerturbations(a.perturbations) : values.perturbations;
    const filter = parseFilter(a.filter);
    const shard = parseShard(a.shard);
    const { data, model, methods } = await openRun(out, a, configured, { splitThreads: hasBothLanes(configured) });
    const bar = progress('stability', a.quiet);
    const started = Date.now();
    const r = await runStability({
      model, data, methods, perturbations, metrics: values.metrics, filter, reduce: values.reduce, seed: a.seed,
      batchSize: a.batchSize, internalBatchSize: a.internalBatchSize, shard, out: a.out, profile: a.profile, gallery: a.gallery, preset: a.preset, controls: a.controls,
      onBatch: (p) => bar.update(p.done, p.total, `${(p.rows / Math.max(1, (Date.now() - started) / 1000)).toFixed(0)} pairs/s, retention ${(p.rows ? p.kept / p.rows : 0).toFixed(2)}`),
    }).finally(() => bar.stop());
    sayProfile(out, r);
    const summary = await withRun(a.out, (f) => summarise(f, a.seed, filter.kind));
    out.say([
      `run       ${a.out}${r.resumedFrom ? ` (resumed after ${r.resumedFrom} samples)` : ''}`,
      `samples   ${r.samples} this time; pairs ${r.pairs}: ${r.kept} kept, ${r.filtered} filtered, ${r.errors} errors; ${r.seconds.toFixed(1)} s (${(r.pairs / Math.max(r.seconds, 1e-9)).toFixed(1)} pairs/s)`,
      '',
      rankingTable(summary),
    ].join('\n'));
    out.result({ run: r, summary });
  },
});

/** The FASS ranking, and with controls the chance-corrected one beside it. */
export function rankingTable(summary: Summary): string {
  const f3 = (v: number | null) => (v === null ? '-' : v.toFixed(3));
  const controls = summary.controls;
  if (!controls) return table(['rank', 'method', 'FASS'], summary.ranking.map((x) => [x.rank, x.method, f3(x.fass)]));
  const corrected = new Map(controls.ranking.map((r) => [r.method, r]));
  return [
    table(['rank', 'method', 'FASS', 'chance', 'above chance', 'rank above chance'], summary.ranking.map((x) => [
      x.rank, x.method, f3(x.fass), f3(controls.chance[x.method] ?? null), f3(corrected.get(x.method)?.fass ?? null), corrected.get(x.method)?.rank ?? '-',
    ])),
    controls.changed ? 'the order changes once chance is taken out' : 'the order holds once chance is taken out',
  ].join('\n');
}

