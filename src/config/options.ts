/**
 * The options every command shares, validated in one place. CLI flags, --config keys and the
 * library API use the same names (kebab-case on the command line, camelCase in code).
 */
import { z } from 'zod';
import { UserError } from '../errors.js';
import { LAYOUTS } from '../data/types.js';
import { parseSize } from '../util/memory.js';
import { asFlag, parseWith } from './validate.js';

export const DEVICE_FORMS = 'cpu, cuda or cuda:N';

/** The options of every command (outputOptions). */
export const Output = z.object({
  json: z.boolean().default(false),
  quiet: z.boolean().default(false),
});
export const Threads = z.number().int().min(1, 'must be an integer >= 1').optional();
/** The options of the commands that run models on data (commonOptions). */
export const Common = Output.extend({
  seed: z.number().int().min(0, 'must be an integer >= 0').default(0),
  device: z.string().regex(/^(cpu|cuda(:\d+)?)$/, `must be ${DEVICE_FORMS}`).default('cpu'),
  threads: Threads,
  dataRoot: z.string().optional(),
});
export type Common = z.infer<typeof Common>;

/** Numeric precision of model calls (TorchScript): fp32, or bf16 autocast. */
export const PRECISION_FORMS = ['fp32', 'bf16'] as const;
export const PrecisionOption = z.object({
  precision: z.enum(PRECISION_FORMS, { message: `must be ${PRECISION_FORMS.join(' or ')}` }).default('fp32'),
});

/** Options that shape how a dataset is read (image folders mostly). */
export const DataOptions = z.object({
  data: z.string().min(1),
  n: z.number().int().min(1, 'must be an integer >= 1').optional(),
  size: z.number().int().min(1).optional(),
  resize: z.number().int().min(1).optional(),
  channels: z.union([z.literal(1), z.literal(3)]).optional(),
  labels: z.string().optional(),
  layout: z.enum(LAYOUTS).optional(),
});

export const Normalisation = z.object({
  mean: z.array(z.number()).optional(),
  std: z.array(z.number().positive('must be > 0')).optional(),
  /** TorchScript on the CPU: gradient-free calls through the model's ONNX forward twin, when it has one. */
  onnxForward: z.boolean().default(true),
  /** Bytes the model calls inside one method may take (util/memory.ts); default there. */
  memoryBudget: z.union([z.string(), z.number()]).optional().transform((v, ctx) => {
    if (v === undefined) return undefined;
    try {
      return parseSize('--memory-budget', v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
  }),
});

/** Parses CLI options with a zod schema; failures are a UserError naming each bad flag and value. */
export function validate<T extends z.ZodType>(schema: T, args: Record<string, unknown>): z.infer<T> {
  return parseWith(schema, args, '', 'option', asFlag);
}
