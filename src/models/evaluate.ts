/**
 * Top-1 accuracy of a model on a dataset, per class too, streamed batch by batch. Unreadable
 * samples and samples with non-finite logits are counted errors with reasons, never dropped.
 */
import type { Dataset, SampleError } from '../data/index.js';
import { argmax, nonFiniteRows, type Model } from './model.js';

export interface ClassAccuracy {
  label: number;
  name: string;
  n: number;
  correct: number;
  accuracy: number;
}

export interface Evaluation {
  model: string;
  dataset: string;
  /** Samples the model predicted and that carry a label. */
  n: number;
  correct: number;
  accuracy: number;
  perClass: ClassAccuracy[];
  /** Samples that could not be read or gave non-finite logits. */
  errors: SampleError[];
  /** Samples predicted but without a label (-1): not in the accuracy. */
  unlabelled: number;
  seconds: number;
  /** End to end: decoding included. */
  imagesPerSecond: number;
  /** Model time only. */
  predictImagesPerSecond: number;
}

export interface EvaluateOptions {
  batchSize?: number;
  onBatch?: (done: number, total: number, correct: number) => void;
}

export async function evaluate(model: Model, data: Dataset, opts: EvaluateOptions = {}): Promise<Evaluation> {
  const batchSize = opts.batchSize ?? 256;
  const t0 = performance.now();
  let predictMs = 0, done = 0, correct = 0, n = 0, unlabelled = 0, predicted = 0;
  const errors: SampleError[] = [];
  const perN = new Map<number, number>(), perCorrect = new Map<number, number>();
  for await (const b of data.batches(batchSize)) {
    errors.push(...b.errors);
    if (b.shape[0] > 0) {
      const p0 = performance.now();
      const logits = await model.predict(b.data, b.shape);
      predictMs += performance.now() - p0;
      predicted += b.shape[0];
      const bad = new Set(nonFiniteRows(logits));
      const pred = argmax(logits);
      for (let i = 0; i < b.shape[0]; i++) {
        if (bad.has(i)) {
          errors.push({ id: b.ids[i], index: b.indices[i], reason: 'non-finite logits (NaN or infinity in the model output)' });
          continue;
        }
        const y = b.labels[i];
        if (y < 0) { unlabelled++; continue; }
        n++;
        perN.set(y, (perN.get(y) ?? 0) + 1);
        if (pred[i] === y) { correct++; perCorrect.set(y, (perCorrect.get(y) ?? 0) + 1); }
      }
    }
    done += b.shape[0] + b.errors.length;
    opts.onBatch?.(done, data.size, correct);
  }
  const seconds = (performance.now() - t0) / 1000;
  const perClass = [...perN.keys()].sort((a, b) => a - b).map((label) => {
    const k = perN.get(label)!, c = perCorrect.get(label) ?? 0;
    return { label, name: data.classes?.[label] ?? String(label), n: k, correct: c, accuracy: c / k };
  });
  errors.sort((a, b) => a.index - b.index);
  return {
    model: model.path,
    dataset: data.name,
    n,
    correct,
    accuracy: n ? correct / n : NaN,
    perClass,
    errors,
    unlabelled,
    seconds,
    imagesPerSecond: predicted / seconds,
    predictImagesPerSecond: predictMs > 0 ? predicted / (predictMs / 1000) : NaN,
  };
}
