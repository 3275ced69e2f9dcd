/** What every command shares: the wrapper that turns failures into exit codes, the method probe, the dataset. */
import { openDataset, type Dataset, type Layout } from '../data/index.js';
import { isUserError } from '../errors.js';
import { prepareMethods } from '../methods/prepare.js';
import type { ConfiguredMethod } from '../methods/registry.js';
import { loadModel } from '../models/load.js';
import type { LoadOptions, Model, Precision } from '../models/model.js';
import type { Argv } from 'yargs';
import type { z } from 'zod';
import { validate } from '../config/options.js';
import { flags } from './flags.js';
import { Output, table } from './output.js';
import type { RunResult } from '../pipeline/runner.js';

export const EXIT_OK = 0, EXIT_INTERNAL = 1, EXIT_USAGE = 2;

/**
 * A command as yargs takes it: usage, description, the options made from its zod schema (and
 * positionals named there), and a handler that validates them and runs `body` with the output
 * (exit 2 on a bad value, 1 on an internal failure). `argv` is the raw options, for values zod
 * takes as they are (a --config methods list).
 */
export function defineCommand<S extends z.ZodObject>(spec: {
  command: string; describe: string; args: S; positional?: string[];
  extend?: (y: Argv) => Argv;
  body: (a: z.infer<S>, out: Output, argv: Record<string, unknown>) => Promise<void>;
}) {
  return {
    command: spec.command,
    describe: spec.describe,
    builder: (y: Argv) => (spec.extend ?? ((v: Argv) => v))(flags(y, spec.args, spec.positional)),
    handler: (argv: Record<string, unknown>) => run(Boolean(argv.json), (out) => spec.body(validate(spec.args, argv), out, argv)),
  };
}

/** Runs a command body; prints errors and sets the exit code (2: the user's input, 1: ours). */
export async function run(json: boolean, body: (out: Output) => Promise<void>): Promise<void> {
  const out = new Output(json);
  try {
    await body(out);
    process.exitCode = EXIT_OK;
  } catch (e) {
    if (isUserError(e)) {
      process.stderr.write(`fass: ${e.message}\n`);
      process.exitCode = EXIT_USAGE;
    } else {
      process.stderr.write(`fass: internal error: ${(e as Error)?.stack ?? e}\n`);
      process.exitCode = EXIT_INTERNAL;
    }
  }
}

/** Checks the methods against the model on one sample (a bad one ends the command with exit 2
 * before any work) and says which layer each layer method reads. */
export async function prepare(out: Output, model: Model, data: Dataset, methods: ConfiguredMethod[]): Promise<ConfiguredMethod[]> {
  const p = await prepareMethods(model, methods, data.shape);
  for (const l of p.layers) out.say(`${l.method}: layer ${l.layer} (activation [${l.shape.join(', ')}], read as ${l.layout})`);
  return p.methods;
}

/** The model options the command line names (precision only where the command has --precision). */
export function modelOptions(a: { device: string; threads?: number; mean?: number[]; std?: number[]; memoryBudget?: number; onnxForward: boolean; precision?: Precision }): LoadOptions {
  return { device: a.device, precision: a.precision, threads: a.threads, mean: a.mean, std: a.std, memoryBudget: a.memoryBudget, onnxForward: a.onnxForward };
}

/** A model run's dataset, model and methods (probed on one sample: a bad one ends the command before any work). */
export async function openRun(out: Output, a: Parameters<typeof openData>[0] & Parameters<typeof modelOptions>[0] & { model: string }, configured: ConfiguredMethod[], extra: LoadOptions = {}) {
  const data = await openData(a);
  const model = await loadModel(a.model, { ...modelOptions(a), ...extra });
  const methods = await prepare(out, model, data, configured);
  return { data, model, methods };
}

/** With --profile: where the time went, phase by phase, and the fraction of the physical limit. */
export function sayProfile(out: Output, r: RunResult): void {
  const p = r.profile;
  if (!p) return;
  const f = (v: number) => v.toFixed(2);
  const rows = Object.entries(p.phases).sort((a, b) => b[1].wall_s - a[1].wall_s)
    .map(([name, q]) => [name, f(q.wall_s), f(q.user_s), f(q.system_s), q.calls, q.forward_passes || '', q.backward_passes || '',
      q.fraction_of_limit === undefined ? '' : `${(q.fraction_of_limit * 100).toFixed(0)}%`]);
  const mb = (b: number) => (b / 2 ** 20).toFixed(1);
  out.say([
    '',
    `profile   ${f(p.wall_s)} s wall, ${f(p.user_s)} s user, ${f(p.system_s)} s system; ${mb(p.bytes_to_native)} MB into native, ${mb(p.bytes_from_native)} MB back`,
    table(['phase', 'wall s', 'user s', 'sys s', 'calls', 'fwd passes', 'bwd passes', 'of limit'], rows),
    p.fraction_of_limit === null ? 'physical limit: not measured (no forward + backward on this model)'
      : `physical limit ${f(p.limit_s!)} s (${(p.forward_row_s! * 1e6).toFixed(0)} us a forward row, ${(p.forward_backward_row_s === null ? 0 : p.forward_backward_row_s * 1e6).toFixed(0)} us a forward + backward row): ${(p.fraction_of_limit * 100).toFixed(0)}% of it`,
  ].join('\n'));
}

/** The dataset the data options name. */
export function openData(a: { data: string; n?: number; size?: number; resize?: number; channels?: 1 | 3; labels?: string; layout?: Layout; dataRoot?: string }): Promise<Dataset> {
  return openDataset(a.data, { n: a.n, size: a.size, resize: a.resize, channels: a.channels, labels: a.labels, layout: a.layout, root: a.dataRoot });
}
