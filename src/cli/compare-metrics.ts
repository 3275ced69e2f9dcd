/**
 * fass compare-metrics --models good.pt poor.pt --data D --n N --methods a,b --out DIR: per model,
 * the ranking of the methods under OSR, the sensitivities, local Lipschitz, the FASS composite,
 * deletion and insertion, then Kendall's tau-b between the two models' rankings per metric: the
 * test of the OSR paper's claim (SPEC.md section 7). Each run keeps a run file under DIR, so
 * rerunning the same command resumes; DIR/compare.json and DIR/report.html are the results.
 */
import { z } from 'zod';
import { resolve } from 'node:path';
import { ModelRun } from '../config/options.js';
import { methodSpecs } from '../config/methods.js';
import { UserError } from '../errors.js';
import { configure } from '../methods/registry.js';
import { loadModel } from '../models/load.js';
import type { Model } from '../models/model.js';
import { OsrOptions } from '../metrics/osr.js';
import { RobustnessOptions } from '../metrics/robustness.js';
import { parsePerturbations } from '../perturb/index.js';
import {
  checkModels, COMPARE_METRICS, comparePlan, compareSettings, compareSpec, modelLabels, parseCompareMetrics, phasesFor, runCompareMetrics,
  type CompareResult, type MetricComparison,
} from '../pipeline/compare-metrics.js';
import { OsrK } from '../pipeline/osr.js';
import { writeCompareReport } from '../report/compare-html.js';
import { defineCommand, modelOptions, openData } from './common.js';
import { table } from './output.js';
import { progress, type Progress } from './progress.js';

const Args = ModelRun.omit({ model: true }).extend(OsrOptions.pick({ ganEpochs: true, ganSamples: true, ganCopies: true }).shape).extend({
  models: z.any().optional().meta({ yargs: { type: 'array', string: true } }).describe('two TorchScript (.pt) models, e.g. a well- and a poorly-trained one: --models good.pt poor.pt'),
  metrics: z.string().default(COMPARE_METRICS.join(',')).describe(`comma-separated: ${COMPARE_METRICS.join(', ')}`),
  out: z.string().min(1).describe('folder: a run file per (model, run), compare.json, report.html; rerunning resumes'),
  k: OsrK,
  samples: RobustnessOptions.shape.samples,
  perturbations: z.string().optional().describe('stability (FASS): a list like hflip,brightness:1.2 (default: the default preset\'s)'),
  dryRun: z.boolean().default(false).describe('validate, print the plan and stop'),
});

/** --models: exactly two distinct model files. */
export function parseModels(v: unknown): [string, string] {
  const list = (v === undefined ? [] : Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(',')).map((s) => s.trim()).filter(Boolean);
  if (list.length !== 2) {
    throw new UserError(`--models ${list.length ? list.join(' ') : '(none)'}: expected exactly two models, the well-trained one first, e.g. --models good.pt poor.pt; got ${list.length}`);
  }
  if (resolve(list[0]) === resolve(list[1])) throw new UserError(`--models ${list.join(' ')}: both name the same file; expected two different models`);
  return [list[0], list[1]];
}

const g4 = (v: number | null) => (v === null ? '-' : Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toPrecision(4));
const tau2 = (v: number | null) => (v === null ? '-' : v.toFixed(3));

export function metricTable(c: MetricComparison, labels: string[]): string {
  const [a, b] = c.rankings;
  const byB = new Map(b.map((m) => [m.method, m]));
  const head = `${c.metric} (${c.higherIsBetter ? 'higher' : 'lower'} is better): tau ${tau2(c.agreement.tau)} over ${c.agreement.n} methods${c.agreement.reason ? ` (${c.agreement.reason})` : ''}`;
  const rows = a.map((m) => {
    const o = byB.get(m.method);
    return [m.method, m.rank ?? '-', g4(m.mean), o?.rank ?? '-', g4(o?.mean ?? null)];
  });
  const notes = c.agreement.excluded.map((e) => `  left out of tau: ${e.method}: ${e.reason}`);
  return [head, table(['method', `rank ${labels[0]}`, `mean ${labels[0]}`, `rank ${labels[1]}`, `mean ${labels[1]}`], rows), ...notes].join('\n');
}

export function tauTable(r: CompareResult): string {
  return table(['metric', 'tau', 'n methods', 'left out'], r.comparisons.map((c) => [
    c.metric, tau2(c.agreement.tau), c.agreement.n, c.agreement.excluded.length ? c.agreement.excluded.map((e) => e.method).join(',') : '-',
  ]));
}

export const { command, describe, builder, handler } = defineCommand({
  command: 'compare-metrics',
  describe: 'rank methods under OSR, sensitivity, Lipschitz, FASS, deletion, insertion for two models; Kendall tau per metric',
  args: Args,
  extend: (y) => y.example('$0 compare-metrics --models models/fashion-cnn.pt models/fashion-cnn-poor.pt --data fashion-mnist:test --n 200 --methods saliency,integrated_gradients,gradcam --out runs/cmp', 'the OSR claim on Fashion-MNIST'),
  body: async (a, out, argv) => {
    const paths = parseModels(argv.models);
    const metrics = parseCompareMetrics(a.metrics);
    const methods = methodSpecs(argv.methods).map(configure);
    const perturbations = a.perturbations ? parsePerturbations(a.perturbations) : undefined;
    const data = await openData(a);
    const models: Model[] = [];
    try {
      for (const p of paths) models.push(await loadModel(p, modelOptions(a)));
      checkModels(models, metrics);
      const labels = modelLabels(paths);
      const spec = compareSpec({
        models: [models[0], models[1]], data, methods, metrics, seed: a.seed, out: a.out, internalBatchSize: a.internalBatchSize,
        osr: { ganEpochs: a.ganEpochs, ganSamples: a.ganSamples, ganCopies: a.ganCopies }, k: a.k, samples: a.samples, perturbations,
      });
      out.say(comparePlan(spec, labels).join('\n'));
      if (a.dryRun) {
        out.say('dry run: nothing was run');
        out.result({ dryRun: true, models: paths, labels, data: data.name, n: data.size, seed: a.seed, methods: methods.map((m) => m.method.name), metrics, phases: phasesFor(metrics), settings: compareSettings(spec) });
        return;
      }
      const total = 2 * phasesFor(metrics).length;
      let step = 0, bar: Progress | undefined;
      const result = await runCompareMetrics({
        ...spec,
        onPhase: (e) => {
          if (e.event === 'start') {
            step++;
            out.say(`[${step}/${total}] ${e.model}: ${e.phase} -> ${e.run}`);
            bar = progress(e.phase, a.quiet);
          } else {
            bar?.stop();
            out.say(`        ${e.phase} done in ${e.seconds!.toFixed(1)} s (${e.samples} images this time${e.resumedFrom ? `, resumed after ${e.resumedFrom}` : ''})`);
          }
        },
        onProgress: (_m, _p, done, tot, info) => bar?.update(done, tot, info),
      }).finally(() => bar?.stop());
      const report = `${a.out}/report.html`;
      await writeCompareReport(result, report);
      const names = result.models.map((m) => m.label);
      out.say([
        '',
        ...result.comparisons.flatMap((c) => [metricTable(c, names), '']),
        `Kendall's tau-b between the rankings under ${names[0]} and ${names[1]}:`,
        tauTable(result),
        '',
        result.verdict,
        '',
        `wrote ${a.out}/compare.json and ${report}`,
      ].join('\n'));
      out.result(result);
    } finally {
      for (const m of models) m.dispose();
    }
  },
});
