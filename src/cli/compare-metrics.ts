/**
 * fass compare-metrics --models good.pt poor.pt --data D --n N --methods a,b --out DIR: per model,
 * the ranking of the methods under OSR, the sensitivities, local Lipschitz, the FASS composite,
 * deletion and insertion, then Kendall's tau-b between the two models' rankings per metric: the
 * test of the OSR paper's claim (SPEC.md section 7). Each run keeps a run file under DIR, so
 * rerunning the same command resumes; DIR/compare.json and DIR/report.html are the results.
 */
import type { Argv } from 'yargs';
import { z } from 'zod';
import { join, resolve } from 'node:path';
import { Common, DataOptions, Normalisation, validate } from '../config/options.js';
import { methodSpecs } from '../config/methods.js';
import { presetValues } from '../config/presets.js';
import { UserError } from '../errors.js';
import { configure, methodNames } from '../methods/registry.js';
import { loadModel } from '../models/load.js';
import type { Model } from '../models/model.js';
import { FaithfulnessOptions } from '../metrics/faithfulness.js';
import { osrConfig } from '../metrics/osr.js';
import { RobustnessOptions } from '../metrics/robustness.js';
import { parsePerturbations } from '../perturb/index.js';
import {
  checkModels, COMPARE_METRIC_INFO, COMPARE_METRICS, compareSettings, modelLabels, parseCompareMetrics, phasesFor, runCompareMetrics,
  type CompareResult, type CompareSpec, type MetricComparison,
} from '../pipeline/compare-metrics.js';
import { writeCompareReport } from '../report/compare-html.js';
import { commonOptions, dataOptions, normalisationOptions, openData, run } from './common.js';
import { table } from './output.js';
import { progress, type Progress } from './progress.js';

const Args = Common.extend(DataOptions.shape).extend(Normalisation.shape).extend({
  out: z.string().min(1),
  metrics: z.string().default(COMPARE_METRICS.join(',')),
  ganEpochs: z.number().int().min(1, 'must be an integer >= 1').default(5),
  ganSamples: z.number().int().min(1, 'must be an integer >= 1').default(100),
  ganCopies: z.number().int().min(1, 'must be an integer >= 1').default(1500),
  k: z.number().int().min(1, 'must be an integer >= 1').default(16),
  samples: z.number().int().min(1, 'must be an integer >= 1').default(16),
  perturbations: z.string().optional(),
  dryRun: z.boolean().default(false),
  internalBatchSize: z.number().int().min(1).optional(),
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

export const command = 'compare-metrics';
export const describe = 'rank methods under OSR, sensitivity, Lipschitz, FASS, deletion, insertion for two models; Kendall tau per metric';

export function builder(y: Argv) {
  return normalisationOptions(dataOptions(commonOptions(y)))
    .option('models', { type: 'array', string: true, describe: 'two TorchScript (.pt) models, e.g. a well- and a poorly-trained one: --models good.pt poor.pt' })
    .option('methods', { describe: `comma-separated methods (${methodNames().join(', ')}); with parameters: a methods list in --config` })
    .option('metrics', { type: 'string', default: COMPARE_METRICS.join(','), describe: `comma-separated: ${COMPARE_METRICS.join(', ')}` })
    .option('out', { type: 'string', demandOption: true, describe: 'folder: a run file per (model, run), compare.json, report.html; rerunning resumes' })
    .option('gan-epochs', { type: 'number', default: 5, describe: 'OSR: epochs over the copies of x' })
    .option('gan-samples', { type: 'number', default: 100, describe: 'OSR: GAN samples drawn per image' })
    .option('gan-copies', { type: 'number', default: 1500, describe: 'OSR: copies of x per epoch (real data)' })
    .option('k', { type: 'number', default: 16, describe: 'OSR: GANs trained at once (results do not depend on it)' })
    .option('samples', { type: 'number', default: 16, describe: 'robustness: neighbours per image and noise kind' })
    .option('perturbations', { type: 'string', describe: 'stability (FASS): a list like hflip,brightness:1.2 (default: the default preset\'s 30)' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'validate, print the plan and stop' })
    .option('internal-batch-size', { type: 'number' })
    .demandOption('data')
    .example('$0 compare-metrics --models models/fashion-cnn.pt models/fashion-cnn-poor.pt --data fashion-mnist:test --n 200 --methods saliency,integrated_gradients,gradcam --out runs/cmp', 'the OSR claim on Fashion-MNIST');
}

const g4 = (v: number | null) => (v === null ? '-' : Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toPrecision(4));
const tau2 = (v: number | null) => (v === null ? '-' : v.toFixed(3));

function planLines(spec: Omit<CompareSpec, 'onPhase' | 'onProgress'>, labels: [string, string]): string[] {
  const phases = phasesFor(spec.metrics);
  const what = (p: string) => {
    const ms = spec.metrics.filter((m) => COMPARE_METRIC_INFO[m].phase === p).join(', ');
    if (p === 'osr') return `osr (${ms}): ${spec.osr.options.ganSamples} GAN samples per image after ${spec.osr.options.ganEpochs} epochs of ${spec.osr.options.ganCopies} copies, ${spec.osr.k} GANs at once`;
    if (p === 'robustness') return `robustness (${ms}): ${spec.robustness.options.samples} neighbours per image and noise kind`;
    if (p === 'faithfulness') return `faithfulness (${ms})`;
    const ps = spec.stability.perturbations;
    return `stability (${ms}): ${ps.length} perturbations (${ps.length <= 8 ? ps.map((q) => q.id).join(', ') : `${ps.slice(0, 4).map((q) => q.id).join(', ')}, ... ${ps[ps.length - 1].id}`})`;
  };
  return [
    `compare-metrics: ${spec.methods.length} methods x ${spec.data.size} images x 2 models on ${spec.data.name}, seed ${spec.seed}, device ${spec.models[0].device}`,
    `models    A ${labels[0]}: ${spec.models[0].path}`,
    `          B ${labels[1]}: ${spec.models[1].path}`,
    `methods   ${spec.methods.map((m) => m.method.name).join(', ')}`,
    `metrics   ${spec.metrics.join(', ')}`,
    ...phases.map((p, i) => `${i ? '         ' : 'runs     '} ${what(p)}`),
    ...labels.map((l, i) => `${i ? '         ' : 'files    '} ${join(spec.out, l, `{${phases.join(',')}}.duckdb`)}`),
  ];
}

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

export async function handler(argv: Record<string, unknown>): Promise<void> {
  await run(Boolean(argv.json), async (out) => {
    const a = validate(Args, argv);
    const paths = parseModels(argv.models);
    const metrics = parseCompareMetrics(a.metrics);
    const methods = methodSpecs(argv.methods).map(configure);
    const values = presetValues('default');
    const perturbations = a.perturbations ? parsePerturbations(a.perturbations) : values.perturbations;
    const osr = osrConfig({ ganEpochs: a.ganEpochs, ganSamples: a.ganSamples, ganCopies: a.ganCopies });
    const robustness = validate(RobustnessOptions, { samples: a.samples });
    const data = await openData(a);
    const models: Model[] = [];
    try {
      for (const p of paths) models.push(await loadModel(p, { device: a.device, threads: a.threads, mean: a.mean, std: a.std, memoryBudget: a.memoryBudget, onnxForward: a.onnxForward }));
      checkModels(models, metrics);
      const labels = modelLabels(paths);
      const spec: CompareSpec = {
        models: [models[0], models[1]], data, methods, metrics, seed: a.seed, out: a.out, internalBatchSize: a.internalBatchSize,
        osr: { options: osr, k: a.k },
        robustness: { options: robustness, batchSize: 16, reduce: 'sum' },
        faithfulness: { options: validate(FaithfulnessOptions, {}), batchSize: 32 },
        stability: { perturbations, metrics: values.metrics, reduce: values.reduce, preset: 'default', batchSize: 64 },
      };
      out.say(planLines(spec, labels).join('\n'));
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
  });
}
