/**
 * Training of the reference CNN (shared/reference/README.md) natively with LibTorch, seeded,
 * then evaluated on the test split; writes TorchScript and its card (<out minus .pt>.json).
 */
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { openDataset, type Dataset } from '../data/index.js';
import { UserError } from '../errors.js';
import { native, tensor } from '../native.js';
import { cardPathFor, type ModelCard } from './card.js';
import { evaluate, type Evaluation } from './evaluate.js';
import { TorchModel, fromNative } from './torch-model.js';
import { OnnxModel } from './onnx-model.js';
import { writeForwardTwin, type ForwardTwinRecord } from './forward-twin.js';

export interface TrainSpec {
  data: string;          // training split, e.g. fashion-mnist:train
  test: string;          // evaluation split, e.g. fashion-mnist:test
  out: string;
  steps: number;
  batchSize: number;
  lr: number;
  seed: number;
  device: string;
  threads: number;
  dataRoot?: string;
  onProgress?: (phase: 'load' | 'train' | 'evaluate', done: number, total: number, loss?: number) => void;
}

export interface TrainResult {
  path: string;
  cardPath: string;
  card: ModelCard;
  evaluation: Evaluation;
}

/** The whole split in memory (Fashion-MNIST train: 60,000 x 784 floats, 188 MB). */
async function loadAll(ds: Dataset, onProgress?: TrainSpec['onProgress']) {
  const [c, h, w] = ds.shape;
  const plane = c * h * w;
  const images = new Float32Array(ds.size * plane);
  const labels = new BigInt64Array(ds.size);
  let n = 0;
  for await (const b of ds.batches(4096)) {
    if (b.errors.length) throw new UserError(`${ds.name}: ${b.errors.length} unreadable training sample(s), first: ${b.errors[0].id}: ${b.errors[0].reason}`);
    images.set(b.data, n * plane);
    for (let i = 0; i < b.shape[0]; i++) {
      if (b.labels[i] < 0) throw new UserError(`${ds.name}: sample ${b.ids[i]} has no label; training needs labels`);
      labels[n + i] = BigInt(b.labels[i]);
    }
    n += b.shape[0];
    onProgress?.('load', n, ds.size);
  }
  return { images: tensor(images, [n, c, h, w]), labels: tensor(labels, [n]) };
}

export async function trainReference(spec: TrainSpec): Promise<TrainResult> {
  const train = await openDataset(spec.data, { root: spec.dataRoot });
  const test = await openDataset(spec.test, { root: spec.dataRoot });
  if (train.shape.join() !== test.shape.join()) {
    throw new UserError(`training data ${train.name} has shape [${train.shape}], test data ${test.name} has [${test.shape}]: they must match`);
  }
  const classes = train.classes ?? Array.from({ length: 10 }, (_, i) => String(i));
  const { images, labels } = await loadAll(train, spec.onProgress);
  const [c, h, w] = train.shape;
  if (h % 4 || w % 4) throw new UserError(`the reference CNN needs height and width divisible by 4, got ${h}x${w}`);
  const card: ModelCard = {
    format: 'fass-model-card/1',
    architecture: {
      name: 'reference-cnn',
      layers: `conv1 ${c}->16 3x3 pad 1, ReLU, maxpool 2; conv2 16->32 3x3 pad 1, ReLU, maxpool 2; fc1 ${32 * (h / 4) * (w / 4)}->64, ReLU; fc2 64->${classes.length}`,
      parameters: 16 * c * 9 + 16 + 32 * 16 * 9 + 32 + 32 * (h / 4) * (w / 4) * 64 + 64 + 64 * classes.length + classes.length,
    },
    input_shape: [c, h, w],
    classes,
    training: {
      dataset: train.name, steps: spec.steps, batch_size: spec.batchSize, lr: spec.lr, seed: spec.seed,
      threads: spec.threads, torch_version: native().buildInfo().torchVersion,
    },
  };
  mkdirSync(dirname(spec.out) || '.', { recursive: true });
  const t0 = performance.now();
  let stats;
  try {
    stats = await native().trainReferenceCnn(
      { images, labels, steps: spec.steps, batchSize: spec.batchSize, lr: spec.lr, seed: spec.seed, device: spec.device,
        threads: spec.threads, classes: classes.length, out: spec.out, card: JSON.stringify(card) },
      (step, total, loss) => spec.onProgress?.('train', step, total, loss),
    );
  } catch (e) {
    throw fromNative(e);
  } finally {
    images.dispose();
    labels.dispose();
  }
  card.training = { ...card.training!, seconds: (performance.now() - t0) / 1000, final_loss: stats.finalLoss, epochs: stats.epochs };

  const model = await TorchModel.load(spec.out, { device: spec.device, threads: spec.threads, onnxForward: false });
  const evaluation = await evaluate(model, test, { onBatch: (d, t) => spec.onProgress?.('evaluate', d, t) });
  card.evaluation = { dataset: test.name, accuracy: evaluation.accuracy, n: evaluation.n };
  card.forward_onnx = await forwardTwin(spec, model, test, [c, h, w]);
  const cardPath = cardPathFor(spec.out);
  writeFileSync(cardPath + '.partial', JSON.stringify(card, null, 2) + '\n');
  renameSync(cardPath + '.partial', cardPath);
  return { path: spec.out, cardPath, card, evaluation };
}

/**
 * Writes the model's ONNX forward twin and checks it against LibTorch on the first test images:
 * logits within 1e-4 of the largest logit. A difference would be a defect of the exporter: it
 * fails the command rather than leave a twin that disagrees with its model.
 */
async function forwardTwin(spec: TrainSpec, model: TorchModel, test: Dataset, shape: [number, number, number]): Promise<ForwardTwinRecord> {
  const record = writeForwardTwin(spec.out, model.parameters(), shape);
  const twin = await OnnxModel.load(spec.out.replace(/[^/]*$/, record.file), { threads: spec.threads });
  try {
    for await (const b of test.batches(256, { start: 0, end: Math.min(256, test.size) })) {
      const [a, o] = [await model.predict(b.data, b.shape), await twin.predict(b.data, b.shape)];
      const scale = a.data.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-12);
      const worst = a.data.reduce((m, v, i) => Math.max(m, Math.abs(v - o.data[i])), 0);
      if (!(worst <= 1e-4 * scale)) throw new Error(`the ONNX twin's logits differ from LibTorch's by ${worst} (largest logit ${scale})`);
      break;
    }
  } finally {
    twin.dispose();
  }
  return record;
}
