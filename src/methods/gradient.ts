/**
 * The bridge from a gradient method's TypeScript description to the native engine
 * (native/methods/): the batch, targets and per-sample seeds go native once, the maps come back.
 */
import { UserError } from '../errors.js';
import { native, tensor, type NativeParams, readTensor } from '../native.js';
import { checkInputShape, type Model } from '../models/model.js';
import { TorchModel, fromNative } from '../models/torch-model.js';
import { costOf, type Attribution, type AttributionInput, type RunContext } from './types.js';

export function requireTorch(method: string, model: Model): TorchModel {
  if (model instanceof TorchModel) return model;
  throw new UserError(
    `method ${method} needs gradients, which only TorchScript models give; ${model.path} is an ${model.kind} model`,
    'with ONNX models use the forward-only methods: occlusion, lime, kernel_shap, rise',
  );
}

export async function runGradient(
  method: string, nativeName: string, model: Model, input: AttributionInput, params: NativeParams, ctx: RunContext,
): Promise<Attribution> {
  const torch = requireTorch(method, model);
  checkInputShape(torch, input.shape);
  const [n] = input.shape;
  // 0: the engine's default (native/gradients.h, default_internal_batch).
  const internal = ctx.internalBatchSize ?? 0;
  const full: NativeParams = { ...params };
  if (ctx.meanColour && full.mean_colour === undefined) full.mean_colour = Array.from(ctx.meanColour);
  const x = tensor(input.data, input.shape);
  const targets = tensor(BigInt64Array.from(input.targets, (t) => BigInt(t)), [n]);
  const seeds = tensor(BigInt64Array.from(input.seeds, (s) => BigInt(s)), [n]);
  const started = performance.now();
  try {
    const r = await native().attribute(torch.handle, nativeName, x, targets, seeds, full, internal, torch.threads);
    const shape = r.maps.shape as [number, number, number, number];
    const maps = readTensor(r.maps) as Float32Array;
    const extras: Record<string, Float32Array> = {};
    for (const [k, t] of Object.entries(r.extras)) { extras[k] = readTensor(t) as Float32Array; t.dispose(); }
    r.maps.dispose();
    return { maps, shape, cost: costOf(r.forward, r.backward, started, n), extras };
  } catch (e) {
    throw fromNative(e);
  } finally {
    x.dispose(); targets.dispose(); seeds.dispose();
  }
}
