/**
 * The options every command shares, validated in one place. CLI flags, --config keys and the
 * library API use the same names (kebab-case on the command line, camelCase in code).
 */
import { z } from 'zod';
import { LAYOUTS } from '../data/types.js';
import { parseSize } from '../util/memory.js';
import { asFlag, parseWith } from './validate.js';
import { methodNames } from '../methods/registry.js';

export const DEVICE_FORMS = 'cpu, cuda or cuda:N';

/** The options of every command (outputOptions). */
export const Output = z.object({
  json: z.boolean().default(false).describe('print the result as JSON on stdout (human text goes to stderr)'),
  quiet: z.boolean().default(false).meta({ alias: 'q' }).describe('no progress bars'),
});
export const Threads = z.number().int().min(1, 'must be an integer >= 1').optional().describe('LibTorch / onnxruntime threads (default: all cores)');
/** The run seed: every random draw derives from it. */
export const Seed = z.number().int().min(0, 'must be an integer >= 0').default(0).describe('seed for every random draw');
/** The options of the commands that run models on data (commonOptions). */
export const Common = Output.extend({
  seed: Seed,
  device: z.string().regex(/^(cpu|cuda(:\d+)?)$/, `must be ${DEVICE_FORMS}`).default('cpu').describe(DEVICE_FORMS),
  threads: Threads,
  dataRoot: z.string().optional().describe('folder of named datasets (default $FASS_DATA_ROOT or /usr/share/datasets)'),
});
export type Common = z.infer<typeof Common>;

/** Numeric precision of model calls (TorchScript): fp32, or bf16 autocast. */
export const PRECISION_FORMS = ['fp32', 'bf16'] as const;
export const PrecisionOption = z.object({
  precision: z.enum(PRECISION_FORMS, { message: `must be ${PRECISION_FORMS.join(' or ')}` }).default('fp32')
    .describe('bf16: autocast in forward and backward passes (TorchScript models); maps and scores stay float32'),
});

/** Options that shape how a dataset is read (image folders mostly). */
export const DataOptions = z.object({
  data: z.string().min(1).describe('dataset: fashion-mnist:test|train, mnist:test|train, cifar10:DIR:test|train, idx:IMAGES[,LABELS], npy:IMAGES.npy[,LABELS.npy], synthetic:N[:CxHxW][:K], or an image folder'),
  n: z.number().int().min(1, 'must be an integer >= 1').optional().describe('use the first N samples in file order'),
  size: z.number().int().min(1).optional().describe('image folders: output height = width (default 224)'),
  resize: z.number().int().min(1).optional().describe('image folders: shorter side before the centre crop (default size/0.875)'),
  channels: z.union([z.literal(1), z.literal(3)]).optional().describe('image folders: 1 (grey) or 3 (RGB)'),
  labels: z.string().optional().describe('image folders without class subfolders: CSV of filename,label'),
  layout: z.enum(LAYOUTS).optional().describe('npy datasets whose shape reads both ways: (N,C,H,W) or (N,H,W,C)'),
});

export const Normalisation = z.object({
  mean: z.array(z.number()).optional().describe('per-channel mean the model expects inputs normalised by'),
  std: z.array(z.number().positive('must be > 0')).optional().describe('per-channel standard deviation, with --mean'),
  onnxForward: z.boolean().default(true).describe('TorchScript on cpu: run predictions and forward-only methods through the model\'s ONNX twin (written by fass train) when it has one; --no-onnx-forward keeps them in LibTorch'),
  /** Bytes the model calls inside one method may take (util/memory.ts); default there. */
  memoryBudget: z.union([z.string(), z.number()]).optional().transform((v, ctx) => {
    if (v === undefined) return undefined;
    try {
      return parseSize('--memory-budget', v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
  }).describe('memory the model calls inside one method may take (TorchScript): 2GB, 512MB, or none; default an eighth of the free memory on cpu, none on cuda (out-of-memory halves batches there)'),
});

/** The options of the commands that run a model over a dataset. */
export const ModelRun = Common.extend(DataOptions.shape).extend(Normalisation.shape).extend({
  model: z.string().min(1).describe('TorchScript (.pt) or ONNX (.onnx) model'),
  methods: z.any().optional().describe(`comma-separated methods (${methodNames().join(', ')}); with parameters: a methods list in --config`),
  internalBatchSize: z.number().int().min(1, 'must be an integer >= 1').optional().describe('rows per model call inside a method (default: from --memory-budget)'),
});

/** An images-per-batch option with its default (declared by the command or run kind that owns it). */
export const batchSizeOption = (n: number, what = 'images per batch') => z.number().int().min(1, 'must be an integer >= 1').default(n).describe(what);

/** A run file option: where results go, resumed when rerun. */
const RunOut = z.string().min(1).describe('run file (DuckDB); rerunning the same command resumes it');
const ProfileOption = z.boolean().default(false).describe('time each phase (decode, predict, each method, perturb, align, similarity, store) and the run\'s fraction of the physical limit; writes <out>.profile.json');
/** The flags of every run command: its run file, and --profile. */
export const RunFlags = { out: RunOut, profile: ProfileOption };
export const Shard = z.string().regex(/^\d+\/\d+$/, 'must be k/N, e.g. 2/8').optional().describe('k/N: run the k-th of N disjoint slices (then fass merge)');

/** Parses CLI options with a zod schema; failures are a UserError naming each bad flag and value. */
export function validate<T extends z.ZodType>(schema: T, args: Record<string, unknown>): z.infer<T> {
  return parseWith(schema, args, '', 'option', asFlag);
}
