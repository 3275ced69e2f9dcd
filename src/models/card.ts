/**
 * The model card: what `fass train` knows about a model. It is stored inside the TorchScript
 * archive (extra file fass.json: architecture, input shape, normalisation, training) and, with
 * the test accuracy added, as a JSON file beside it (<model>.json).
 */
import { z } from 'zod';

export const ModelCard = z.object({
  format: z.literal('fass-model-card/1'),
  architecture: z.object({
    name: z.string(),
    layers: z.string(),
    parameters: z.number().int().optional(),
  }),
  input_shape: z.array(z.number().int().positive()).length(3),
  classes: z.array(z.string()).optional(),
  mean: z.array(z.number()).optional(),
  std: z.array(z.number()).optional(),
  training: z
    .object({
      dataset: z.string(),
      steps: z.number().int(),
      batch_size: z.number().int(),
      lr: z.number(),
      seed: z.number().int(),
      threads: z.number().int(),
      torch_version: z.string(),
      seconds: z.number().optional(),
      final_loss: z.number().optional(),
      epochs: z.number().optional(),
    })
    .optional(),
  evaluation: z
    .object({ dataset: z.string(), accuracy: z.number(), n: z.number().int() })
    .optional(),
  /** The ONNX copy for forward-only calls (see forward-twin.ts); only in the card beside the model. */
  forward_onnx: z.object({ file: z.string(), sha256: z.string(), source_sha256: z.string() }).optional(),
});
export type ModelCard = z.infer<typeof ModelCard>;

/** The card inside a TorchScript archive, or null when it has none or it does not parse. */
export function parseCard(text: string): ModelCard | null {
  if (!text) return null;
  try {
    const r = ModelCard.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** The path of the JSON card written beside a model file. */
export function cardPathFor(modelPath: string): string {
  return modelPath.replace(/(\.ts)?\.pt$|\.onnx$/, '') + '.json';
}
