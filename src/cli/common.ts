/** yargs options shared by every command, and the wrapper that turns failures into exit codes. */
import type { Argv } from 'yargs';
import { LAYOUTS, openDataset, type Dataset, type Layout } from '../data/index.js';
import { isUserError } from '../errors.js';
import { prepareMethods } from '../methods/prepare.js';
import type { ConfiguredMethod } from '../methods/registry.js';
import type { Model } from '../models/model.js';
import { Output } from './output.js';

export const EXIT_OK = 0, EXIT_INTERNAL = 1, EXIT_USAGE = 2;

/** --json and --quiet: every command. */
export function outputOptions<T>(y: Argv<T>) {
  return y
    .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON on stdout (human text goes to stderr)' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress bars' });
}

/** --threads: the commands that compute (compare scores on the CPU and takes only this one). */
export function threadsOption<T>(y: Argv<T>) {
  return y.option('threads', { type: 'number', describe: 'LibTorch / onnxruntime threads (default: all cores)' });
}

/** The options of the commands that run models on data; file-only commands (report, merge,
 * export, compare) do not take them, so that a --seed or --device there is refused, not ignored. */
export function commonOptions<T>(y: Argv<T>) {
  return threadsOption(outputOptions(y))
    .option('seed', { type: 'number', default: 0, describe: 'seed for every random draw' })
    .option('device', { type: 'string', default: 'cpu', describe: 'cpu, cuda or cuda:N' })
    .option('data-root', { type: 'string', describe: 'folder of named datasets (default $FASS_DATA_ROOT or /usr/share/datasets)' });
}

export function dataOptions<T>(y: Argv<T>) {
  return y
    .option('data', { type: 'string', describe: 'dataset: fashion-mnist:test|train, mnist:test|train, cifar10:DIR:test|train, idx:IMAGES[,LABELS], npy:IMAGES.npy[,LABELS.npy], synthetic:N[:CxHxW][:K], or an image folder' })
    .option('n', { type: 'number', describe: 'use the first N samples in file order' })
    .option('size', { type: 'number', describe: 'image folders: output height = width (default 224)' })
    .option('resize', { type: 'number', describe: 'image folders: shorter side before the centre crop (default size/0.875)' })
    .option('channels', { type: 'number', choices: [1, 3], describe: 'image folders: 1 (grey) or 3 (RGB)' })
    .option('labels', { type: 'string', describe: 'image folders without class subfolders: CSV of filename,label' })
    .option('layout', { type: 'string', choices: [...LAYOUTS], describe: 'npy datasets whose shape reads both ways: (N,C,H,W) or (N,H,W,C)' });
}

/** --precision, for the commands that run models (evaluate, attribute, stability). */
export function precisionOption<T>(y: Argv<T>) {
  return y.option('precision', { type: 'string', default: 'fp32', describe: 'fp32, or bf16 (autocast in forward and backward passes; TorchScript models; maps and scores stay float32)' });
}

export function normalisationOptions<T>(y: Argv<T>) {
  return y
    .option('mean', { type: 'array', number: true, describe: 'per-channel mean the model expects inputs normalised by' })
    .option('std', { type: 'array', number: true, describe: 'per-channel standard deviation, with --mean' })
    .option('onnx-forward', { type: 'boolean', default: true, describe: 'TorchScript on cpu: run predictions and forward-only methods through the model\'s ONNX twin (written by fass train) when it has one; --no-onnx-forward keeps them in LibTorch' })
    .option('memory-budget', { type: 'string', describe: 'memory the model calls inside one method may take (TorchScript): 2GB, 512MB, or none; default an eighth of the free memory on cpu, none on cuda (out-of-memory halves batches there)' });
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

/** The dataset the data options name. */
export function openData(a: { data: string; n?: number; size?: number; resize?: number; channels?: 1 | 3; labels?: string; layout?: Layout; dataRoot?: string }): Promise<Dataset> {
  return openDataset(a.data, { n: a.n, size: a.size, resize: a.resize, channels: a.channels, labels: a.labels, layout: a.layout, root: a.dataRoot });
}
