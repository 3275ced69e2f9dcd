/**
 * `fass attribute`: maps of several methods for a dataset, streamed batch by batch to .npy files
 * in dataset order (row i is sample i; a sample that could not be read or explained is a NaN row
 * and an entry in errors.json), with the targets, the ids, the cost of each method against the
 * model's own forward+backward, an overlay image of the first samples, and each method's
 * per-sample extras as `<method>.<name>.npy` (IG: completeness_gap; with n_steps auto also steps,
 * change and converged).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/index.js';
import { argmax, nonFiniteRows, type Model } from '../models/model.js';
import { TorchModel } from '../models/torch-model.js';
import type { ConfiguredMethod } from '../methods/registry.js';
import { configure } from '../methods/registry.js';
import { seedsFor } from '../methods/seeds.js';
import type { AttributionInput } from '../methods/types.js';
import { NpyWriter, writeNpy } from '../util/npy.js';
import { gridPng } from '../report/grid.js';
import { grey, imageRgb, overlay, reduceChannels } from '../report/heatmap.js';

export interface AttributeSpec {
  model: Model;
  data: Dataset;
  methods: ConfiguredMethod[];
  out: string;
  seed: number;
  batchSize: number;
  internalBatchSize?: number;
  onBatch?: (done: number, total: number) => void;
}

export interface RunError { id: string; index: number; method?: string; reason: string }

export interface MethodCost {
  images: number;
  forward_passes: number;
  backward_passes: number;
  forward_passes_per_image: number;
  backward_passes_per_image: number;
  seconds: number;
  images_per_second: number;
  /** seconds per image over the model's own forward+backward seconds per image (TorchScript) */
  cost_in_forward_backwards?: number;
}

export interface AttributeResult {
  out: string;
  n: number;
  explained: number;
  errors: RunError[];
  cost: Record<string, MethodCost>;
  forward_backward_seconds_per_image?: number;
  files: string[];
}

const OVERLAY_SAMPLES = 8;

/** Lazily opened: a method's map shape is known once it has run. */
class MapFile {
  private writer?: NpyWriter;
  private pendingNaN = 0;
  constructor(readonly path: string, readonly total: number) {}

  rows(n: number, data: Float32Array | null, rowShape?: number[]): void {
    if (!this.writer && rowShape) {
      this.writer = new NpyWriter(this.path, 'float32', [this.total, ...rowShape]);
      if (this.pendingNaN) this.writer.append(new Float32Array(this.pendingNaN * rowShape.reduce((a, b) => a * b)).fill(NaN));
      this.pendingNaN = 0;
    }
    if (!this.writer) { this.pendingNaN += n; return; }
    this.writer.append(data ?? new Float32Array(n * this.rowSize()).fill(NaN));
  }

  private rowSize(): number {
    return this.writer!.shape.slice(1).reduce((a, b) => a * b);
  }

  finish(fallbackRow: number[]): void {
    if (!this.writer) this.rows(0, new Float32Array(0), fallbackRow);
    this.writer!.finish();
  }
}

/** Seconds per image of one forward+backward: a signed saliency pass is exactly that. */
async function forwardBackwardSeconds(model: Model, input: AttributionInput): Promise<number | undefined> {
  if (!(model instanceof TorchModel)) return undefined;
  const sal = configure({ name: 'saliency', abs: false });
  await sal.method.run(model, input, sal.params, {});
  const r = await sal.method.run(model, input, sal.params, {});
  return r.cost.seconds / input.shape[0];
}

export async function attribute(spec: AttributeSpec): Promise<AttributeResult> {
  const { model, data, methods, out } = spec;
  mkdirSync(out, { recursive: true });
  const [c, h, w] = data.shape;
  const meanColour = await data.meanColour();
  const ctx = { meanColour, internalBatchSize: spec.internalBatchSize };
  const maps = methods.map((m) => new MapFile(join(out, `${m.method.name}.npy`), data.size));
  const targetsOut = new NpyWriter(join(out, 'targets.npy'), 'int64', [data.size]);
  const ids: string[] = new Array(data.size);
  const errors: RunError[] = [];
  const cost: Record<string, MethodCost> = {};
  // Per-sample extras by `<method>.<name>` (IG's completeness gap and steps), NaN where none.
  const extras = new Map<string, Float32Array>();
  // The first samples, kept for the overlay image.
  const shown = { images: [] as Float32Array[], maps: methods.map(() => [] as { data: Float32Array; shape: number[] }[]) };
  let fbSeconds: number | undefined, done = 0, explained = 0;

  for await (const b of data.batches(spec.batchSize)) {
    const n = b.shape[0];
    const first = Math.min(...b.indices, ...b.errors.map((e) => e.index));
    const span = n + b.errors.length;
    b.errors.forEach((e) => { errors.push(e); ids[e.index] = e.id; });
    b.ids.forEach((id, i) => (ids[b.indices[i]] = id));
    // Row of the span for each good sample (errors leave NaN rows between them).
    const slot = b.indices.map((i) => i - first);
    const targets = new BigInt64Array(span).fill(-1n);
    const rowMaps: (Float32Array | null)[] = methods.map(() => null);
    const rowShapes: (number[] | undefined)[] = methods.map(() => undefined);
    if (n > 0) {
      const logits = await model.predict(b.data, b.shape);
      const bad = new Set(nonFiniteRows(logits));
      bad.forEach((i) => errors.push({ id: b.ids[i], index: b.indices[i], reason: 'non-finite logits (NaN or infinity in the model output)' }));
      const t = argmax(logits);
      slot.forEach((s, i) => { if (!bad.has(i)) targets[s] = BigInt(t[i]); });
      const input: AttributionInput = { data: b.data, shape: b.shape, targets: t, seeds: new Uint32Array(n) };
      fbSeconds ??= await forwardBackwardSeconds(model, input);
      for (let i = 0; i < n && shown.images.length < OVERLAY_SAMPLES; i++) shown.images.push(b.data.slice(i * c * h * w, (i + 1) * c * h * w));
      for (const [k, m] of methods.entries()) {
        const r = await m.method.run(model, { ...input, seeds: seedsFor(spec.seed, b.ids, 'none', m.method.name) }, m.params, ctx);
        const per = r.maps.length / n;
        const rows = new Float32Array(span * per).fill(NaN);
        for (let i = 0; i < n; i++) {
          const row = r.maps.subarray(i * per, (i + 1) * per);
          if (bad.has(i)) continue;
          if (!row.every(Number.isFinite)) {
            errors.push({ id: b.ids[i], index: b.indices[i], method: m.method.name, reason: 'the map has NaN or infinite values' });
          }
          rows.set(row, slot[i] * per);
        }
        rowMaps[k] = rows;
        for (const [name, values] of Object.entries(r.extras ?? {})) {
          const key = `${m.method.name}.${name}`;
          if (!extras.has(key)) extras.set(key, new Float32Array(data.size).fill(NaN));
          const all = extras.get(key)!;
          b.indices.forEach((index, i) => { if (!bad.has(i)) all[index] = values[i]; });
        }
        rowShapes[k] = r.shape.slice(1);
        const acc = (cost[m.method.name] ??= { images: 0, forward_passes: 0, backward_passes: 0, forward_passes_per_image: 0, backward_passes_per_image: 0, seconds: 0, images_per_second: 0 });
        acc.images += n; acc.forward_passes += r.cost.forwardPasses; acc.backward_passes += r.cost.backwardPasses; acc.seconds += r.cost.seconds;
        for (let i = 0; i < n && shown.maps[k].length < OVERLAY_SAMPLES; i++) {
          shown.maps[k].push({ data: r.maps.slice(i * per, (i + 1) * per), shape: r.shape.slice(1) });
        }
      }
      explained += n - bad.size;
    }
    maps.forEach((f, k) => f.rows(span, rowMaps[k], rowShapes[k]));
    targetsOut.append(targets);
    done += span;
    spec.onBatch?.(done, data.size);
  }

  maps.forEach((f) => f.finish([c, h, w]));
  targetsOut.finish();
  for (const m of Object.values(cost)) {
    m.forward_passes_per_image = m.forward_passes / m.images;
    m.backward_passes_per_image = m.backward_passes / m.images;
    m.images_per_second = m.images / m.seconds;
    if (fbSeconds) m.cost_in_forward_backwards = m.seconds / m.images / fbSeconds;
  }
  errors.sort((a, b) => a.index - b.index);
  for (const [name, values] of extras) writeNpy(join(out, `${name}.npy`), { dtype: 'float32', shape: [data.size], data: values });
  const files = [...methods.map((m) => `${m.method.name}.npy`), ...[...extras.keys()].map((k) => `${k}.npy`), 'targets.npy', 'ids.json', 'errors.json', 'cost.json', 'overlays.png'];
  writeFileSync(join(out, 'ids.json'), JSON.stringify(ids) + '\n');
  writeFileSync(join(out, 'errors.json'), JSON.stringify(errors, null, 2) + '\n');
  // The parameters as run, what the model decided included (Grad-CAM's default layer).
  const params = Object.fromEntries(methods.map((m) => [m.method.name, m.params]));
  writeFileSync(join(out, 'cost.json'), JSON.stringify({ model: model.path, dataset: data.name, forward_backward_seconds_per_image: fbSeconds, methods: cost, params }, null, 2) + '\n');
  await writeOverlays(join(out, 'overlays.png'), shown, [c, h, w], methods.map((m) => m.method.name));
  return { out, n: data.size, explained, errors, cost, forward_backward_seconds_per_image: fbSeconds, files };
}

/** A row per sample: the image, then each method's map over it (maps of another size are drawn alone). */
async function writeOverlays(path: string, shown: { images: Float32Array[]; maps: { data: Float32Array; shape: number[] }[][] }, [c, h, w]: number[], names: string[]): Promise<void> {
  if (shown.images.length === 0) return;
  const tiles = shown.images.map((image, i) => {
    const g = grey(image, c, h, w);
    return [imageRgb(image, c, h, w), ...shown.maps.map((rows) => {
      const m = rows[i];
      if (!m) return new Uint8Array(h * w * 3).fill(255);
      const [mc, mh, mw] = m.shape;
      const reduced = reduceChannels(m.data, mc, mh, mw);
      return mh === h && mw === w ? overlay(reduced, g, h, w) : overlay(upscaleNearest(reduced, mh, mw, h, w), null, h, w);
    })];
  });
  await gridPng(tiles, h, w, Math.max(1, Math.floor(112 / Math.max(h, w))), path, ['image', ...names]);
}

function upscaleNearest(m: Float32Array, mh: number, mw: number, h: number, w: number): Float32Array {
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = m[Math.floor((y * mh) / h) * mw + Math.floor((x * mw) / w)];
  return out;
}
