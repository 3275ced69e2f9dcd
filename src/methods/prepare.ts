/**
 * Fail in the first second: every method's configuration is checked against the model on one
 * sample before any work (the input shape fits, the model gives (N, classes) logits, gradients are
 * there for the methods that need them, a layer is reached and has a grid Grad-CAM can read), and
 * what the model decides is resolved into the parameters (Grad-CAM's default layer), so that the
 * run configuration, cost.json and the printed plan name it.
 */
import { UserError } from '../errors.js';
import { native } from '../native.js';
import { checkInputShape, nonFiniteRows, type Model } from '../models/model.js';
import { fromNative } from '../models/torch-model.js';
import { requireTorch } from './gradient.js';
import type { ConfiguredMethod } from './registry.js';

/** The layer a layer method reads, as probed: its activation's shape and how its grid was read. */
export interface ProbedLayer { method: string; layer: string; shape: number[]; layout: string }

export interface Prepared { methods: ConfiguredMethod[]; layers: ProbedLayer[] }

export async function prepareMethods(model: Model, methods: ConfiguredMethod[], sample: readonly [number, number, number]): Promise<Prepared> {
  const shape = [1, ...sample] as [number, number, number, number];
  checkInputShape(model, shape);
  const logits = await model.predict(new Float32Array(sample[0] * sample[1] * sample[2]).fill(0.5), shape);
  if (logits.n !== 1 || logits.classes < 1)
    throw new UserError(`model ${model.path} gives ${logits.n} rows of ${logits.classes} values for one image; fass needs logits of shape (N, classes)`);
  if (nonFiniteRows(logits).length) throw new UserError(`model ${model.path} gives non-finite logits on a mid-grey ${shape.join('x')} image`);
  const layers: ProbedLayer[] = [];
  const out = methods.map((m) => {
    if (m.method.needs.includes('gradients')) requireTorch(m.method.name, model);
    if (!m.method.needs.includes('layer')) return m;
    const p = m.params as { layer?: string; reshape?: string };
    let probed;
    try {
      probed = native().probeLayer(requireTorch(m.method.name, model).handle, p.layer ?? '', p.reshape ?? 'auto', shape);
    } catch (e) {
      const err = fromNative(e);
      throw err instanceof UserError ? new UserError(`method ${m.method.name}: ${err.message}`) : err;
    }
    layers.push({ method: m.method.name, ...probed });
    return { ...m, params: { ...p, layer: probed.layer } };
  });
  return { methods: out, layers };
}
